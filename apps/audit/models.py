"""The historical models (``HistoricalCategory``, ``HistoricalUser``…) are added to this module by
``registry.history_register_all`` when the app is ready; see ``registry.TRACKED``."""
