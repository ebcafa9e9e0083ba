"""Competitions (draws) whose entries a reward can grant."""
