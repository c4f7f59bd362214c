"""Tools: benchmarks and the retrieval and answer evaluation, which measure the product.

Not used by a serving process. May import any stage below the web.
"""
