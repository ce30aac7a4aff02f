"""Document capture: from camera frames to clean, readable pages.

Pure image pipeline, no Flask. Built with issue 3 (frame sources, detect,
rectify, enhance, quality, encode); nothing is implemented here yet.
"""
