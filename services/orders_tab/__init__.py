"""The Orders tab: a projection of the order topics into SQL tables, a JSON API and a web page."""
