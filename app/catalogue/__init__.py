"""The published catalogue of administrative procedures (danh mục TTHC) agents may handle."""
