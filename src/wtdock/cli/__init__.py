"""The typer CLI: parse options, call one core function, render its result."""
