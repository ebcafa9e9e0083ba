"""Reference data a reward or a customer names: labels, card series, custom field
definitions, loyalty programs (tiers, partner programs), segments (partitions),
categories, vendors, and the built-in list of countries."""
