"""Products a reward can grant (SKU, name, stock)."""
