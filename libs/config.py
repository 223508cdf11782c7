"""Config loading: YAML with nameko's own `${VAR:default}` substitution, for services and the gateway alike."""

import os

import yaml
from nameko.cli.main import setup_yaml_parser

setup_yaml_parser()

DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "deploy", "config", "wzw.yaml")


def load_config(path=None):
    path = path or os.environ.get("WZW_CONFIG") or DEFAULT_CONFIG
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)
