"""One module per provider API document: its data generator and its HTTP app."""
