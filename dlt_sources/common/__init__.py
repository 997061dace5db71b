"""What every provider source shares: the raw-record shape and change detection."""
