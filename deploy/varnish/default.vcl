#
# Varnish in front of the site: the cache semantics of the public index's CDN.
#
# `make stack` (deploy/stack.py) runs
#     varnishd -F -n <root>/varnish -a 127.0.0.1:<PORT> -f default.vcl \
#              -p vcl_path=<root>/varnish-conf:deploy/varnish
# and writes <root>/varnish-conf/backends.vcl before each start: one backend per gunicorn
# node (each probed at /_health/), the round-robin director `web` over them, and the sub
# `purge_credentials`, which holds the purge endpoint's secret (a new one per start; the site
# receives it as CDN_PURGE_AUTH_HEADER). Any other deployment writes its own backends.vcl
# with the same three things and keeps this file as it is.
#
# What the origin says drives everything (the site is the single source of truth):
#   Surrogate-Control: max-age=N, stale-while-revalidate=S, stale-if-error=E
#       N is how long Varnish keeps the page fresh; after that, while a node is healthy, a
#       stale copy is served for S more seconds while ONE background fetch refreshes it;
#       while no node is healthy, the stale copy is served for E seconds instead of an error.
#   Surrogate-Key: k1 k2 ...
#       the keys the page is purged by (project/<name>, simple-index, ...). After every write
#       the site (its Celery worker when a broker is set) POSTs the keys to /_cdn/purge, which
#       drops every page carrying any of them at once (a hard purge: the next request waits
#       for the new page rather than being served the stale one). With "Fastly-Soft-Purge: 1"
#       the pages are only marked stale, as Fastly's soft purge does.
#   Cache-Control
#       is meant for browsers and clients. Only files (/packages/) and static assets
#       (/static/), which are immutable and carry no Surrogate-Control, are cached by it.
# Everything else is passed to the origin and never stored: a response without
# Surrogate-Control, one that sets a cookie, a request with credentials (Authorization) or a
# session cookie, anything but GET and HEAD.
#
# Towards clients, the surrogate headers are removed and two are added: X-Cache (HIT when
# the answer came from the cache, stale copies included; MISS otherwise, passes included)
# and X-Cache-Hits (how often this copy has been served from the cache).

vcl 4.1;

import std;
import xkey;
import directors;

# The probe each node answers (pypi_site/health.py: 200 while the node reaches its database).
# A node is healthy when 2 of the last 3 probes succeeded; it starts healthy, so the first
# requests after a start need not wait for probes.
probe health {
    .request =
        "GET /_health/ HTTP/1.1"
        "Host: localhost"
        "Connection: close"
        "User-Agent: varnish-probe";
    .interval = 1s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

# Backends, the director `web` and `sub purge_credentials` (see the top of this file).
include "backends.vcl";

# Who may call the purge endpoint at all: this machine only (the worker and the web nodes).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = web.backend();
    # Only purge_credentials may set it: a client's own copy is thrown away first.
    unset req.http.X-Purge-Allowed;

    # --- The purge endpoint: POST /_cdn/purge with "Surrogate-Key: k1 k2" --------------------
    if (req.url ~ "^/_cdn/purge(\?|$)") {
        if (req.method != "POST") {
            return (synth(405, "Method Not Allowed"));
        }
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Sets req.http.X-Purge-Allowed when the request carries the secret header.
        call purge_credentials;
        if (req.http.X-Purge-Allowed != "yes") {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "No Surrogate-Key"));
        }
        # "Fastly-Soft-Purge: 1", as Fastly takes it: mark the pages stale instead (kept for
        # grace, refreshed by the next request), as they are once their max-age has passed.
        if (req.http.Fastly-Soft-Purge == "1") {
            set req.http.X-Purged = xkey.softpurge(req.http.Surrogate-Key);
        } else {
            set req.http.X-Purged = xkey.purge(req.http.Surrogate-Key);
        }
        return (synth(200, "Purged"));
    }
    # A request that comes back after vcl_hit refused a stale copy (see vcl_hit) accepts no
    # stale copy at all: it waits for the fresh page.
    if (req.restarts > 0 && req.http.X-Refresh-Now) {
        set req.grace = 0s;
    }
    unset req.http.X-Refresh-Now;

    # --- Writes and other methods go straight to the origin ---------------------------------
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }

    # --- The machine paths never use cookies: drop them, so a browser's cookies do not ------
    # keep installers' and mirrors' pages out of the cache. (Simple API, JSON API, RSS,
    # Integrity API, files, static assets.)
    if (req.url ~ "^/(simple|rss|integrity|packages|static)/"
        || req.url ~ "^/pypi/[^/?]+/([^/?]+/)?json/?(\?|$)") {
        unset req.http.Cookie;
    }

    # --- Never from the cache: credentials, or a logged-in visitor's pages -------------------
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }

    # --- Vary: Accept ------------------------------------------------------------------------
    # The Simple API answers HTML or JSON by the Accept header (PEP 691), and says
    # "Vary: Accept", so Varnish keeps one copy per Accept value. Letter case and the spaces
    # around "," ";" and "=" never change its choice (packages/views/simple.py lower-cases
    # the header, and Django's parse_header_parameters strips every part around those), so on
    # /simple/ they are removed here: equivalent headers share one copy. Nothing more is
    # normalised: the site ranks q-values and specificity, which a rewrite here could only get
    # wrong. Other pages get the header exactly as the client sent it.
    if (req.url ~ "^/simple/" && req.http.Accept) {
        set req.http.Accept = regsuball(std.tolower(req.http.Accept), "\s*([,;=])\s*", "\1");
        set req.http.Accept = regsuball(req.http.Accept, "^\s+|\s+$", "");
    }

    # Everything else may come from the cache: what the origin answers decides whether it is
    # stored (vcl_backend_response). Varnish's built-in vcl_recv is not run: it would pass
    # every request with a cookie.
    return (hash);
}

sub vcl_hash {
    # Pages in another language are kept apart (the language switcher's cookie).
    if (req.http.Cookie ~ "(^|;\s*)django_language=") {
        hash_data(regsub(req.http.Cookie, "^(.*;\s*)?django_language=([^;]*).*$", "\2"));
    }
    # Then Varnish's built-in hash: the URL and the Host.
}

sub vcl_hit {
    # Fresh: serve it.
    if (obj.ttl >= 0s) {
        return (deliver);
    }
    # Stale, and a node is healthy: within stale-while-revalidate, serve the stale copy and
    # let one background fetch refresh it; beyond it, fetch the page now (restart with no
    # grace allowed). The object itself is kept for stale-if-error (its grace).
    if (std.healthy(req.backend_hint)) {
        if (obj.ttl + std.duration(obj.http.X-Stale-While-Revalidate, 0s) > 0s) {
            return (deliver);
        }
        set req.http.X-Refresh-Now = "1";
        return (restart);
    }
    # No healthy node: anything within stale-if-error is better than an error.
    return (deliver);
}

sub vcl_backend_response {
    # A background refresh that fails keeps the stale copy rather than replacing it.
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);
    }

    # Responses that set a cookie are personal: never stored. (The hit-for-miss marker keeps
    # requests from queueing behind each other for this URL for a minute; a later cacheable
    # answer is stored again.)
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }

    if (beresp.http.Surrogate-Control ~ "(^|[,\s])max-age=\d+") {
        # The origin's CDN instructions.
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^(.*[,\s])?max-age=(\d+).*$", "\2s"), 0s);
        set beresp.http.X-Stale-While-Revalidate = "0s";
        if (beresp.http.Surrogate-Control ~ "stale-while-revalidate=\d+") {
            set beresp.http.X-Stale-While-Revalidate = regsub(beresp.http.Surrogate-Control,
                "^.*stale-while-revalidate=(\d+).*$", "\1s");
        }
        set beresp.grace = std.duration(beresp.http.X-Stale-While-Revalidate, 0s);
        if (beresp.http.Surrogate-Control ~ "stale-if-error=\d+") {
            set beresp.grace = std.duration(regsub(beresp.http.Surrogate-Control,
                "^.*stale-if-error=(\d+).*$", "\1s"), 0s);
        }
        # Never shorter than stale-while-revalidate (vcl_hit tells the two apart).
        if (beresp.grace < std.duration(beresp.http.X-Stale-While-Revalidate, 0s)) {
            set beresp.grace = std.duration(beresp.http.X-Stale-While-Revalidate, 0s);
        }
    } elsif (bereq.url ~ "^/(packages|static)/"
             && beresp.http.Cache-Control ~ "public"
             && beresp.http.Cache-Control ~ "(s-maxage|max-age)=\d+") {
        # Files and static assets: immutable, cached by their Cache-Control (s-maxage first).
        if (beresp.http.Cache-Control ~ "s-maxage=\d+") {
            set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control,
                "^.*s-maxage=(\d+).*$", "\1s"), 0s);
        } else {
            set beresp.ttl = std.duration(regsub(beresp.http.Cache-Control,
                "^(.*[,\s])?max-age=(\d+).*$", "\2s"), 0s);
        }
        set beresp.grace = 1d;
    } else {
        # No instructions for a CDN: not stored.
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }

    # Errors are never kept longer than a moment (a 404 of a project about to be created).
    if (beresp.status >= 400 && beresp.ttl > 5s) {
        set beresp.ttl = 5s;
    }

    # The keys the xkey module indexes this object by.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    return (deliver);
}

sub vcl_backend_error {
    # A node that died since its last probe refuses the connection: a read goes to the next
    # node at once (round robin) rather than failing until the probes notice.
    if (bereq.retries < 1 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);
    }
    # A background refresh that fails keeps the stale copy (not a 503 in its place).
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    # No node answered at all (none healthy, or every try failed): a short plain 503.
    set beresp.http.Content-Type = "text/plain; charset=utf-8";
    set beresp.http.Retry-After = "5";
    set beresp.body = {"The index is unavailable; try again in a moment.
"};
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    # What the CDN read is not for clients.
    unset resp.http.Surrogate-Control;
    unset resp.http.Surrogate-Key;
    unset resp.http.xkey;
    unset resp.http.X-Stale-While-Revalidate;
    return (deliver);
}

sub vcl_synth {
    set resp.http.X-Cache = "MISS";
    set resp.http.X-Cache-Hits = "0";
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    if (req.url ~ "^/_cdn/purge(\?|$)" && resp.status == 200) {
        set resp.body = "Purged " + req.http.X-Purged + {" objects
"};
    } else {
        set resp.body = resp.reason + {"
"};
    }
    return (deliver);
}
