"""Document capture: pages photographed at the point, cleaned and checked, stored
encrypted, bound into one PDF per document."""
