"""Swarm: managers, workers and the overlay networks they share.

Without a swarm, an engine refuses overlay networks with the engine's own text.
"""
from __future__ import annotations

from .errors import EngineError, Unavailable

NOT_A_MANAGER = ('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" '
                 'to connect this node to swarm and try again.')


def create_overlay(host, name, ipam_cfg, *, internal, attachable, ingress, options, labels):
    node = host.swarm_node
    if node is None or not node.is_manager:
        raise EngineError(NOT_A_MANAGER)
    return node.swarm.create_overlay(host, name, ipam_cfg, internal=internal, attachable=attachable,
                                     ingress=ingress, options=options, labels=labels)


__all__ = ["create_overlay", "NOT_A_MANAGER", "Unavailable"]
