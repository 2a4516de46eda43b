"""Tests of arcgis_token_vending: run from clients/python with
/usr/bin/python3 -m unittest discover -v -s tests -t ."""
