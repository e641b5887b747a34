"""Experiments that compare models trained with the same budget (notebook 08 runs them)."""
