"""The Capillary Rewards dialect: seed 001-003's paths, names, envelope and codes.

A translation layer: every rule of a reward lives in the domain and is
enforced for the native API too. This package renames, reformats dates, and
maps Laurels' stable error codes onto Capillary's numeric ones. What it holds
of its own is which fields seed 003's create must carry (``schemas``): the
native create requires others.
"""
