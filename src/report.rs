//! Outputs made from a run's results: text, JSON, CSV, plots and graph drawings.
