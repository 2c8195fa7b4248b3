"""The judicial office's supervision: the dashboard over the whole queue, actions on many cases at once."""
