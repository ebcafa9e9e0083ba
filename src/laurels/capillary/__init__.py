"""The Capillary Rewards dialect: seed 001-003's paths, names, envelope and codes.

A translation layer only: every rule lives in the domain and is enforced for
the native API too. This package renames, reformats dates, and maps Laurels'
stable error codes onto Capillary's numeric ones.
"""
