# JupyterHub for a labkit class on one machine.
#
#   ./run.sh class                   installs .[class] and the proxy, then runs this
#   cd "$LABKIT_CLASS_DIR" && jupyterhub -f /path/to/labkit/class/jupyterhub_config.py
#
# Learners log in with any name (letters, digits, - _ .) and the class's shared password; each gets
# homes/NAME with the course's notebooks and a simulated Docker engine of their own
# (labkit.hub.LearnerSpawner). The instructor logs in as "instructor" with the instructor's password
# and gets instructor.ipynb: the class's grade sheet, as a table and a plot.
#
# Settings (environment):
#   LABKIT_CLASS_DIR             the class's folder: homes/, the hub's database and secrets,
#                                the passwords file (default ~/labkit-class)
#   LABKIT_CLASS_URL             where learners connect (default http://:8000, every interface)
#   LABKIT_CLASS_PASSWORD        the learners' shared password (8+ characters; made once if unset)
#   LABKIT_CLASS_ADMIN_PASSWORD  the instructor's (32+ characters; made once if unset)
# Anything else: JupyterHub's own options on the command line (`./run.sh class --help-all`).
#
# All learners' servers run as the user who started the hub (no system accounts): learners are not
# isolated from one another, and started as root they get root's terminal. Run it as an ordinary
# user on a machine for the workshop.
import os
import sys

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator

from labkit import hub

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

folder = hub.default_folder()
os.makedirs(os.path.join(folder, "homes"), exist_ok=True)
learners_password, instructor_password = hub.passwords(folder)
venv_bin = os.path.join(sys.prefix, "bin")

c.JupyterHub.bind_url = os.environ.get("LABKIT_CLASS_URL") or "http://:8000"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(folder, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(folder, "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True          # stopping the hub stops every learner's server and engine

# The proxy: configurable-http-proxy from npm, installed into this environment by ./run.sh
# (class/proxy/package-lock.json pins it); found on PATH otherwise.
proxy = os.path.join(venv_bin, "configurable-http-proxy")
if os.path.exists(proxy):
    c.ConfigurableHTTPProxy.command = [proxy]
c.ConfigurableHTTPProxy.pid_file = os.path.join(folder, "jupyterhub-proxy.pid")

c.JupyterHub.authenticator_class = SharedPasswordAuthenticator
c.SharedPasswordAuthenticator.user_password = learners_password
c.SharedPasswordAuthenticator.admin_password = instructor_password
c.Authenticator.admin_users = {"instructor"}
c.Authenticator.allow_all = True
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9_.-]{0,31}$"

c.JupyterHub.spawner_class = hub.LearnerSpawner
c.LearnerSpawner.homes = os.path.join(folder, "homes")
c.Spawner.cmd = [os.path.join(venv_bin, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/00-start-here.ipynb"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.start_timeout = 120                # a room logging in at once on two cores
c.Spawner.http_timeout = 120

print(f"labkit: the class's folder is {folder}; learners log in with any name and the password "
      f"{learners_password}; the instructor as 'instructor' with the password in {folder}/passwords",
      flush=True)
