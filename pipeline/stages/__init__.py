"""One module per stage of the job, each a composite PTransform that calls the pure core."""
