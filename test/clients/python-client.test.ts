// The Python client's own tests (clients/python/tests, unittest), run with Debian's /usr/bin/python3
// and python3-botocore as CI has them, counted here one vitest test per Python test: the cases are
// listed when this file is collected, run once in beforeAll, and each `it` asserts its own outcome
// from unittest's verbose report, so a failing Python case fails under its own name.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const clientDir = fileURLToPath(new URL('../../clients/python', import.meta.url));

// Only what Python and the Node servers it starts need: the Python tests build their own AWS
// environment (fake keys, no profile files, no instance metadata) for each case.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  LANG: 'C.UTF-8',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONWARNINGS: 'error::ResourceWarning',
};

const LIST_CASES = `
import json, unittest
def walk(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from walk(test)
        else:
            yield test.id()
print(json.dumps(list(walk(unittest.defaultTestLoader.discover("tests", top_level_dir=".")))))
`;

/** Every Python test case, by unittest id (tests.test_module.Class.test_name). */
const caseIds = JSON.parse(execFileSync(PYTHON, ['-c', LIST_CASES], { cwd: clientDir, env, encoding: 'utf8' })) as string[];

interface UnittestRun {
  /** Outcome by case id: ok, FAIL, ERROR, skipped '…', expected failure, unexpected success. */
  outcomes: Map<string, string>;
  /** The FAIL/ERROR sections by case id (a case with failing subtests can have several). */
  failures: Map<string, string[]>;
  ran: number | undefined;
  verdict: string | undefined;
  output: string;
  exitCode: number | null;
}

/** unittest -v names a case "name (module.Class.name)" from Python 3.11 on, "name (module.Class)" before. */
function caseId(name: string, qualified: string): string {
  return qualified.endsWith(`.${name}`) ? qualified : `${qualified}.${name}`;
}

function parseUnittestReport(output: string, exitCode: number | null): UnittestRun {
  const outcomes = new Map<string, string>();
  const failures = new Map<string, string[]>();
  let pending: string | undefined;
  for (const line of output.split('\n')) {
    const head = /^(\w+) \(([\w.]+)\)(.*)$/.exec(line);
    if (head) pending = caseId(head[1]!, head[2]!);
    // The outcome ends the case's line, or the next one when a docstring is shown or subtests ran.
    const outcome = / \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$/.exec(head ? head[3]! : line);
    if (pending !== undefined && outcome) {
      const previous = outcomes.get(pending);
      if (previous === undefined || previous === 'ok') outcomes.set(pending, outcome[1]!);
      if (head || !line.startsWith('  ')) pending = undefined;
    }
  }
  for (const block of output.split(/^={70}$/m).slice(1)) {
    const head = /^\n?(FAIL|ERROR): (\w+) \(([\w.]+)\)/.exec(block);
    if (!head) continue;
    const id = caseId(head[2]!, head[3]!);
    failures.set(id, [...(failures.get(id) ?? []), block.trim()]);
    outcomes.set(id, head[1]!);
  }
  const ran = /^Ran (\d+) tests? in /m.exec(output);
  const verdict = /^(OK(?: \(.*\))?|FAILED \(.*\))$/m.exec(output);
  return { outcomes, failures, ran: ran ? Number(ran[1]) : undefined, verdict: verdict?.[1], output, exitCode };
}

function runUnittest(): Promise<UnittestRun> {
  const child = spawn(PYTHON, ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'], { cwd: clientDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Python tests did not finish within 240 s:\n${output}`));
    }, 240_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(parseUnittestReport(output, code));
    });
  });
}

describe('the Python client (clients/python), by /usr/bin/python3 -m unittest', () => {
  let run: UnittestRun;
  beforeAll(async () => {
    run = await runUnittest();
  }, 250_000);

  it('runs every listed case and ends OK, with nothing skipped', () => {
    // Discovery found a case in every test module on disk (an import error would list none of its cases).
    const modules = readdirSync(`${clientDir}/tests`).filter((name) => /^test_\w+\.py$/.test(name)).map((name) => `tests.${name.slice(0, -3)}`);
    expect([...new Set(caseIds.map((id) => id.split('.').slice(0, 2).join('.')))].sort()).toEqual(modules.sort());
    expect([run.verdict, run.ran, run.exitCode], run.output.slice(-4000)).toEqual(['OK', caseIds.length, 0]);
    expect([...run.outcomes.keys()].sort()).toEqual([...caseIds].sort());
  });

  for (const id of caseIds) {
    it(id, () => {
      expect(run.outcomes.get(id), (run.failures.get(id) ?? [`${id}: no outcome in the report`]).join('\n\n')).toBe('ok');
    });
  }
});

describe('reading the unittest report', () => {
  it('takes each outcome, from Python 3.9 and 3.11 naming, subtests and docstrings alike', () => {
    const report = [
      'test_err (tests.test_x.A.test_err) ... ERROR',
      'test_ok (tests.test_x.A.test_ok)',
      'Doc line. ... ok',
      "test_skip (tests.test_x.A) ... skipped 'why'",
      'test_sub (tests.test_x.A.test_sub) ... ',
      '  test_sub (tests.test_x.A.test_sub) (i=1) ... FAIL',
      'test_subs_pass (tests.test_x.A.test_subs_pass) ... ok',
      '',
      '='.repeat(70),
      'ERROR: test_err (tests.test_x.A.test_err)',
      '-'.repeat(70),
      "KeyError: 'x'",
      '',
      '='.repeat(70),
      'FAIL: test_sub (tests.test_x.A.test_sub) (i=1)',
      '-'.repeat(70),
      'AssertionError: 1 != 0',
      '',
      '-'.repeat(70),
      'Ran 5 tests in 0.001s',
      '',
      'FAILED (failures=1, errors=1, skipped=1)',
    ].join('\n');
    const parsed = parseUnittestReport(report, 1);
    expect(Object.fromEntries(parsed.outcomes)).toEqual({
      'tests.test_x.A.test_err': 'ERROR',
      'tests.test_x.A.test_ok': 'ok',
      'tests.test_x.A.test_skip': "skipped 'why'",
      'tests.test_x.A.test_sub': 'FAIL',
      'tests.test_x.A.test_subs_pass': 'ok',
    });
    expect([...parsed.failures.keys()]).toEqual(['tests.test_x.A.test_err', 'tests.test_x.A.test_sub']);
    expect([parsed.ran, parsed.verdict]).toEqual([5, 'FAILED (failures=1, errors=1, skipped=1)']);
  });
});
