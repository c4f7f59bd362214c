"""Commands: the larger ``pair-assistant`` subcommands, kept out of the thin ``cli`` wiring.

May import any domain stage; never Flask.
"""
