from misgen.cli import run

run()
