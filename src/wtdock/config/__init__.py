"""The workspace config: its model and how it is found and loaded."""

from wtdock.config.load import CONFIG_NAME, find_config, load_config
from wtdock.config.model import Config, PortRange, ServiceConfig

__all__ = ["CONFIG_NAME", "Config", "PortRange", "ServiceConfig", "find_config", "load_config"]
