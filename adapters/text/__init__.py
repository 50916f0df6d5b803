"""Text for people: UTC times to and from the text people type and read, the progress bar.

Imports nothing else of adapters.
"""
