"""clients/python/README.md stays true to the module: its Python blocks compile, and every name,
method, attribute and keyword they use on the client exists."""
from __future__ import annotations

import ast
import inspect
import os
import re
import unittest
from typing import List, Set

import arcgis_token_vending as atv

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
CLIENT_NAMES = {"client", "TOKENS"}
ANSWER_NAMES = {"answer"}


def python_blocks() -> List[str]:
    with open(README, encoding="utf-8") as readme:
        return re.findall(r"^```python\n(.*?)^```$", readme.read(), re.S | re.M)


def parameters(function: object) -> Set[str]:
    return set(inspect.signature(function).parameters)  # type: ignore[arg-type]  # any callable


class ReadmeTest(unittest.TestCase):
    def test_every_python_block_compiles(self) -> None:
        blocks = python_blocks()
        self.assertEqual(len(blocks), 7)
        for block in blocks:
            with self.subTest(block=block.splitlines()[0]):
                compile(block, README, "exec")

    def test_every_name_method_attribute_and_keyword_used_exists(self) -> None:
        for block in python_blocks():
            for node in ast.walk(ast.parse(block)):
                if isinstance(node, ast.ImportFrom) and node.module == "arcgis_token_vending":
                    for alias in node.names:
                        self.assertTrue(hasattr(atv, alias.name), alias.name)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    if node.value.id in CLIENT_NAMES:
                        self.assertTrue(hasattr(atv.TokenVendingClient, node.attr), f"TokenVendingClient.{node.attr}")
                    if node.value.id in ANSWER_NAMES:
                        self.assertIn(node.attr, {*atv.TokenAnswer.__dataclass_fields__, *dir(atv.TokenAnswer)}, f"TokenAnswer.{node.attr}")
                if isinstance(node, ast.Call):
                    function = node.func
                    if isinstance(function, ast.Name) and function.id == "TokenVendingClient":
                        accepted = parameters(atv.TokenVendingClient.__init__)
                    elif isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id in CLIENT_NAMES:
                        accepted = parameters(getattr(atv.TokenVendingClient, function.attr))
                        if function.attr == "arcgis_gis":
                            accepted |= {"verify_cert"}  # passed on to GIS
                    else:
                        continue
                    for keyword in node.keywords:
                        self.assertIn(keyword.arg, accepted, ast.unparse(node) if hasattr(ast, "unparse") else keyword.arg)

    def test_every_exception_the_table_names_exists_and_derives_from_the_base(self) -> None:
        with open(README, encoding="utf-8") as readme:
            named = set(re.findall(r"`(\w+Error)`", readme.read())) - {"ValueError"}  # a builtin base, named as such
        self.assertGreaterEqual(len(named), 20)
        for name in sorted(named):
            with self.subTest(name=name):
                self.assertTrue(issubclass(getattr(atv, name), atv.TokenVendingError))
        documented = {cls.__name__ for cls in atv.PROBLEM_ERRORS.values()} | {"GatewayError", "ProblemError", "TokenRequestError", "TokenAnswerError", "TokenClientConfigError", "TokenRejectedError", "TokenVendingError"}
        self.assertEqual(documented - named, set())


if __name__ == "__main__":
    unittest.main()
