"""The endpoints of the Engine API v1.41, as Docker Engine 20.10 routes them.

The list is the v1.41 reference's paths (docs/api/v1.41.yaml of the engine's source), written with
the engine's own path patterns (a container or image name may hold slashes: `{name:.*}`), plus
the few the engine routes beyond the reference (`POST /build/cancel`, `POST /grpc`, the profiler
under /debug). Left out: checkpoints (only an experimental engine has them) and the
`/containers/{name}/copy` of API 1.23 and older (the engine answers 404 to 1.24 and newer).

The router answers an endpoint of this list that the simulator does not model with 501 and a
message naming it and its CLI command; a path that is in no list answers 404 "page not found",
as the engine answers it. Each line: method, path, and what a learner types for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ENDPOINTS = """
GET     /_ping                              docker system info (ping)
HEAD    /_ping                              docker system info (ping)
OPTIONS /{anyroute:.*}                      (a browser's CORS preflight)
GET     /version                            docker version
GET     /info                               docker info
POST    /auth                               docker login
GET     /events                             docker events
GET     /system/df                          docker system df
POST    /session                            docker build (BuildKit session)
POST    /grpc                               docker build (BuildKit)
GET     /containers/json                    docker ps
POST    /containers/create                  docker create
POST    /containers/prune                   docker container prune
GET     /containers/{name:.*}/json          docker inspect
GET     /containers/{name:.*}/top           docker top
GET     /containers/{name:.*}/logs          docker logs
GET     /containers/{name:.*}/changes       docker diff
GET     /containers/{name:.*}/export        docker export
GET     /containers/{name:.*}/stats         docker stats
POST    /containers/{name:.*}/resize        docker attach (terminal size)
POST    /containers/{name:.*}/start         docker start
POST    /containers/{name:.*}/stop          docker stop
POST    /containers/{name:.*}/restart       docker restart
POST    /containers/{name:.*}/kill          docker kill
POST    /containers/{name:.*}/update        docker update
POST    /containers/{name:.*}/rename        docker rename
POST    /containers/{name:.*}/pause         docker pause
POST    /containers/{name:.*}/unpause       docker unpause
POST    /containers/{name:.*}/attach        docker attach
GET     /containers/{name:.*}/attach/ws     docker attach (websocket)
POST    /containers/{name:.*}/wait          docker wait
DELETE  /containers/{name:.*}               docker rm
HEAD    /containers/{name:.*}/archive       docker cp (stat)
GET     /containers/{name:.*}/archive       docker cp (from a container)
PUT     /containers/{name:.*}/archive       docker cp (into a container)
POST    /containers/{name:.*}/exec          docker exec
POST    /exec/{name:.*}/start               docker exec
POST    /exec/{name:.*}/resize              docker exec (terminal size)
GET     /exec/{id:.*}/json                  docker exec (inspect)
POST    /commit                             docker commit
GET     /images/json                        docker images
POST    /build                              docker build
POST    /build/prune                        docker builder prune
POST    /build/cancel                       docker build (cancel)
POST    /images/create                      docker pull
POST    /images/load                        docker load
GET     /images/get                         docker save
GET     /images/search                      docker search
POST    /images/prune                       docker image prune
GET     /images/{name:.*}/json              docker image inspect
GET     /images/{name:.*}/history           docker history
GET     /images/{name:.*}/get               docker save
POST    /images/{name:.*}/push              docker push
POST    /images/{name:.*}/tag               docker tag
DELETE  /images/{name:.*}                   docker rmi
GET     /distribution/{name:.*}/json        docker manifest inspect
GET     /networks                           docker network ls
GET     /networks/                          docker network ls
POST    /networks/create                    docker network create
POST    /networks/prune                     docker network prune
GET     /networks/{id:.+}                   docker network inspect
DELETE  /networks/{id:.*}                   docker network rm
POST    /networks/{id:.*}/connect           docker network connect
POST    /networks/{id:.*}/disconnect        docker network disconnect
GET     /volumes                            docker volume ls
POST    /volumes/create                     docker volume create
POST    /volumes/prune                      docker volume prune
GET     /volumes/{name:.*}                  docker volume inspect
DELETE  /volumes/{name:.*}                  docker volume rm
GET     /plugins                            docker plugin ls
GET     /plugins/privileges                 docker plugin install
POST    /plugins/pull                       docker plugin install
POST    /plugins/create                     docker plugin create
GET     /plugins/{name:.*}/json             docker plugin inspect
DELETE  /plugins/{name:.*}                  docker plugin rm
POST    /plugins/{name:.*}/enable           docker plugin enable
POST    /plugins/{name:.*}/disable          docker plugin disable
POST    /plugins/{name:.*}/upgrade          docker plugin upgrade
POST    /plugins/{name:.*}/push             docker plugin push
POST    /plugins/{name:.*}/set              docker plugin set
GET     /swarm                              docker swarm (inspect)
POST    /swarm/init                         docker swarm init
POST    /swarm/join                         docker swarm join
POST    /swarm/leave                        docker swarm leave
POST    /swarm/update                       docker swarm update
GET     /swarm/unlockkey                    docker swarm unlock-key
POST    /swarm/unlock                       docker swarm unlock
GET     /nodes                              docker node ls
GET     /nodes/{id}                         docker node inspect
DELETE  /nodes/{id}                         docker node rm
POST    /nodes/{id}/update                  docker node update
GET     /services                           docker service ls
POST    /services/create                    docker service create
GET     /services/{id}                      docker service inspect
DELETE  /services/{id}                      docker service rm
POST    /services/{id}/update               docker service update
GET     /services/{id}/logs                 docker service logs
GET     /tasks                              docker service ps
GET     /tasks/{id}                         docker inspect (task)
GET     /tasks/{id}/logs                    docker service logs (task)
GET     /secrets                            docker secret ls
POST    /secrets/create                     docker secret create
GET     /secrets/{id}                       docker secret inspect
DELETE  /secrets/{id}                       docker secret rm
POST    /secrets/{id}/update                docker secret (update)
GET     /configs                            docker config ls
POST    /configs/create                     docker config create
GET     /configs/{id}                       docker config inspect
DELETE  /configs/{id}                       docker config rm
POST    /configs/{id}/update                docker config (update)
"""

# The engine's profiler and variables: served without a version prefix, under /debug.
DEBUG_ENDPOINTS = """
GET     /debug/vars                         dockerd's variables
GET     /debug/pprof/                       dockerd's profiler
GET     /debug/pprof/cmdline                dockerd's profiler
GET     /debug/pprof/profile                dockerd's profiler
GET     /debug/pprof/symbol                 dockerd's profiler
GET     /debug/pprof/trace                  dockerd's profiler
GET     /debug/pprof/{name}                 dockerd's profiler
"""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str             # the engine's pattern, e.g. /containers/{name:.*}/top
    command: str          # what a learner types for it
    pattern: re.Pattern

    @property
    def shown(self) -> str:
        """The path as the reference shows it: /containers/{name}/top."""
        return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", self.path)


def compile_path(path: str) -> re.Pattern:
    """The engine's path pattern as a regular expression ({id} is one segment, {name:.*} any)."""
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)(?::([^}]*))?\}", path):
        out += re.escape(path[pos:m.start()]) + f"(?P<{m[1]}>{m[2] or '[^/]+'})"
        pos = m.end()
    return re.compile("^" + out + re.escape(path[pos:]) + "$")


def parse(table: str) -> list[Endpoint]:
    out = []
    for line in table.strip().splitlines():
        method, path, command = line.split(None, 2)
        out.append(Endpoint(method, path, command, compile_path(path)))
    return out


API = parse(ENDPOINTS)
DEBUG = parse(DEBUG_ENDPOINTS)


def find(method: str, path: str, versioned: bool) -> Endpoint | None:
    """The engine's endpoint for a request, or None (the engine answers 404 "page not found",
    also to a known path asked with another method). /debug is served without a version only."""
    for ep in API if versioned else API + DEBUG:
        if ep.method == method and ep.pattern.match(path):
            return ep
    return None
