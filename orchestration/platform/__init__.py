"""What the project needs of the machine it runs on, beside the warehouse: crash points for the
crash-and-resume tests (``failpoints``)."""
