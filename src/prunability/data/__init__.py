"""Datasets: generators that write data artifacts, and the loader the training engine reads them with."""
