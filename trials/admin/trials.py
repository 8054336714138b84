"""Admin for trials, their sites, conditions and the FAQ."""
