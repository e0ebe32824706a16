"""legal-kg: Vietnamese administrative reports → a knowledge graph of legal instruments."""

__version__ = "0.2.0"
