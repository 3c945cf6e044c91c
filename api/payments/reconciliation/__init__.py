"""Daily reconciliation of the platforms' bills with our books: the bills read into one shape
(``bills``), the comparison and its record (``service``), the admin shapes (``schemas``)."""
