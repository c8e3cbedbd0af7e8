"""Server-rendered HTML for the verification pages and the admin page (no JavaScript)."""

from __future__ import annotations

BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{% block title %}Connect a device{% endblock %} · Device sign-in simulator</title>
<style>
:root { --fg:#1b1f24; --muted:#57606a; --bg:#f4f6f8; --card:#fff; --accent:#0b57d0;
        --accent-fg:#fff; --danger:#b3261e; --ok:#1e7b34; --line:#d0d7de; }
* { box-sizing: border-box; }
body { margin:0; font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
       color:var(--fg); background:var(--bg); }
header { background:var(--fg); color:#fff; padding:14px 20px; font-weight:600; }
header small { display:block; font-weight:400; color:#c9d1d9; font-size:13px; }
main { max-width:480px; margin:0 auto; padding:20px 16px 40px; }
main.wide { max-width:960px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:14px;
        padding:20px; margin-bottom:16px; }
h1 { font-size:24px; margin:0 0 8px; line-height:1.25; }
h2 { font-size:18px; margin:0 0 8px; }
p { margin:0 0 12px; }
.muted { color:var(--muted); font-size:15px; }
label { display:block; font-weight:600; margin:12px 0 6px; }
input[type=text], input[type=password], textarea {
  width:100%; font:inherit; padding:12px 14px; border:2px solid var(--line);
  border-radius:10px; background:#fff; }
input:focus, textarea:focus, button:focus { outline:3px solid #7aa7f7; outline-offset:1px; }
input.code { font:600 26px/1.2 ui-monospace,"SF Mono",Menlo,monospace;
  letter-spacing:.12em; text-transform:uppercase; text-align:center; }
input.code.keepcase { text-transform:none; }
button { display:block; width:100%; font-family:inherit; font-size:18px; font-weight:600;
  line-height:1.2; padding:14px; margin-top:16px;
  border:0; border-radius:10px; background:var(--accent); color:var(--accent-fg);
  cursor:pointer; min-height:48px; }
button.secondary { background:#fff; color:var(--fg); border:2px solid var(--line); }
button.danger { background:var(--danger); }
button.small { display:inline-block; width:auto; font-size:15px; padding:8px 14px;
  margin:0; min-height:0; }
.row { display:flex; gap:12px; } .row > * { flex:1; }
.error { background:#fdecea; color:var(--danger); border-radius:10px; padding:12px 14px;
  margin-bottom:12px; font-weight:600; }
.ok { color:var(--ok); }
.device { display:flex; gap:14px; align-items:center; }
.device .icon { flex:none; width:40px; height:40px; color:var(--accent); }
.bigcode { font:700 24px ui-monospace,Menlo,monospace; letter-spacing:.1em; }
ul.scopes { padding-left:20px; margin:8px 0 0; } ul.scopes li { margin-bottom:6px; }
table { width:100%; border-collapse:collapse; font-size:15px; }
th, td { text-align:left; padding:8px 6px; border-bottom:1px solid var(--line);
  vertical-align:top; }
code { font-family:ui-monospace,Menlo,monospace; font-size:14px; }
.who { display:flex; justify-content:space-between; align-items:center; gap:8px; }
.who form { margin:0; }
</style>
</head>
<body>
<header>Device sign-in <small>Local simulator · {{ dialect }} dialect</small></header>
<main class="{% block mainclass %}{% endblock %}">
{% block body %}{% endblock %}
</main>
</body>
</html>
"""

# A television drawn inline (no emoji font needed, nothing fetched: CSP default-src 'none').
TV_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor"'
    ' stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
    '<rect x="2.5" y="4.5" width="19" height="13" rx="2"/><path d="M8 21h8M12 17.5V21"/></svg>'
)

WHO = """{% if user %}<div class="card who"><span>Signed in as <strong>{{ user.name }}</strong>
 ({{ user.username }})</span>
<form method="post" action="{{ base }}/logout"><input type="hidden" name="csrf_token"
 value="{{ csrf }}"><button class="small secondary" type="submit">Switch</button></form>
</div>{% endif %}"""

CODE = (
    """{% extends "base.html" %}{% block title %}Enter code{% endblock %}{% block body %}
"""
    + WHO
    + """
<div class="card">
<h1>Connect a device</h1>
<p class="muted">Enter the code shown on your TV or device.</p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ base }}">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label for="user_code">Code from your device</label>
<input class="code{% if keepcase %} keepcase{% endif %}" id="user_code" name="user_code"
 type="text" value="{{ user_code }}" autocomplete="off" autocapitalize="characters"
 spellcheck="false" maxlength="24" required placeholder="{{ placeholder }}">
<button type="submit">Continue</button>
</form>
</div>
<p class="muted">Only enter a code that you see on your own device. Never enter a code
someone sent you.</p>
{% endblock %}"""
)

LOGIN = (
    """{% extends "base.html" %}{% block title %}Sign in{% endblock %}{% block body %}
{% if device %}<div class="card device">"""
    + TV_ICON
    + """
<div><strong>{{ device.client_name }}</strong>{% if device.device_name %}<br>
<span class="muted">“{{ device.device_name }}”</span>{% endif %}<br>
<span class="muted">wants to connect to your account</span></div></div>{% endif %}
<div class="card">
<h1>Sign in</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ base }}/login">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label for="username">User name</label>
<input id="username" name="username" type="text" autocomplete="username"
 autocapitalize="none" spellcheck="false" required value="{{ username }}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</div>
<div class="card">
<h2>Demo accounts</h2>
<p class="muted">This is a simulator: the password is the user name.</p>
<table><thead><tr><th scope="col">User</th><th scope="col">Password</th>
<th scope="col">Name</th></tr></thead><tbody>
{% for u in demo_users %}<tr><td><code>{{ u.username }}</code></td>
<td><code>{{ u.username }}</code></td><td>{{ u.name }}</td></tr>{% endfor %}
</tbody></table>
</div>
{% endblock %}"""
)

CONFIRM = (
    """{% extends "base.html" %}{% block title %}Allow access?{% endblock %}
{% block body %}"""
    + WHO
    + """
<div class="card">
<div class="device">"""
    + TV_ICON
    + """
<div><h1>{{ device.client_name }}</h1>
{% if device.device_name %}<p class="muted">Device name: “{{ device.device_name }}”</p>
{% endif %}</div></div>
<p>Check that your device shows this code:</p>
<p class="bigcode" aria-label="Code {{ device.user_code }}">{{ device.user_code }}</p>
<h2>It asks to</h2>
<ul class="scopes">{% for s in scopes %}<li>{{ s }}</li>{% endfor %}</ul>
</div>
<form method="post" action="{{ base }}/confirm">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<div class="row">
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve">Allow</button>
</div>
</form>
{% endblock %}"""
)

MESSAGE = """{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}
{% block body %}<div class="card" role="status">
<h1 class="{{ tone }}">{{ title }}</h1>
{% for line in lines %}<p>{{ line }}</p>{% endfor %}
{% if again %}<p><a href="{{ again }}">Enter another code</a></p>{% endif %}
</div>{% endblock %}"""

ADMIN = """{% extends "base.html" %}{% block title %}Admin{% endblock %}
{% block mainclass %}wide{% endblock %}{% block body %}
<div class="card"><h1>Simulator admin</h1>
<p class="muted">Issuer <code>{{ issuer }}</code></p>
{% if notice %}<p class="ok" role="status">{{ notice }}</p>{% endif %}
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
</div>
<div class="card"><h2>Authorized devices</h2>
{% if grants %}<table><thead><tr><th scope="col">Client</th><th scope="col">Device</th>
<th scope="col">User</th><th scope="col">Authorized</th><th scope="col">Scopes</th>
<th scope="col">State</th></tr></thead><tbody>
{% for g in grants %}<tr><td>{{ g.client_name or g.client_id }}</td>
<td>{{ g.device_name or "—" }}</td><td>{{ g.username }}</td><td>{{ g.when }}</td>
<td>{{ g.scope }}</td><td>{% if g.revoked_at %}revoked{% else %}
<form method="post" action="/admin/revoke/{{ g.id }}"><input type="hidden" name="csrf_token"
 value="{{ csrf }}"><button class="small danger" type="submit"
 aria-label="Revoke {{ g.client_name }} for {{ g.username }}">Revoke</button></form>
{% endif %}</td></tr>{% endfor %}</tbody></table>
{% else %}<p class="muted">No device has been authorized yet.</p>{% endif %}
</div>
<div class="card"><h2>Faults</h2>
<p>Active: <code>{{ faults_json }}</code></p>
<form method="post" action="/admin/faults">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label for="faults">Fault set (JSON object)</label>
<textarea id="faults" name="faults" rows="3">{{ faults_json }}</textarea>
<div class="row"><button class="secondary" type="submit" name="action" value="clear">Clear all
</button><button type="submit" name="action" value="apply">Apply</button></div>
</form>
<table><thead><tr><th scope="col">Fault</th><th scope="col">Effect</th></tr></thead><tbody>
{% for name, text in fault_help %}<tr><td><code>{{ name }}</code></td><td>{{ text }}</td>
</tr>{% endfor %}</tbody></table>
</div>
{% endblock %}"""

TEMPLATES = {
    "base.html": BASE,
    "code.html": CODE,
    "login.html": LOGIN,
    "confirm.html": CONFIRM,
    "message.html": MESSAGE,
    "admin.html": ADMIN,
}

CAPTIVE_PORTAL = b"""<!doctype html><html><head><title>Hotel Wi-Fi</title></head>
<body><h1>Welcome to Hotel Wi-Fi</h1><p>Please accept the terms to continue.</p>
<form method="post" action="/accept"><button>Accept</button></form></body></html>"""

SERVICE_UNAVAILABLE = b"""<!doctype html><html><head><title>503 Service Unavailable</title>
</head><body><h1>Service Unavailable</h1><p>Try again later.</p></body></html>"""
