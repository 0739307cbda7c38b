"""The Textual review UI: shows and collects keys; decides nothing."""
