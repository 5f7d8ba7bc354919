"""The simulated engine's operations over its state (../state.py): no JSON, no HTTP.

Imports flow one way, from the top of this list to the bottom:
    hosts, services  ->  swarm  ->  containers, execs  ->  ports, networks, sandbox, images
    ->  endpoints  ->  drivers/ (one module per network driver)  ->  sockets, dns, ipam, files
What runs inside a container is not the engine's: the world's runtime (../shell.py) is passed in.
Errors are the engine's own (../errors.py), with its texts; the API layer turns them into answers.
"""
