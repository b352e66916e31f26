"""The Help page's seeded text: every section and question, in English, in page order.

This module is read by the data migrations that seed the ``HelpSection`` and ``HelpQuestion``
rows (``help/seeding.py``); the page itself reads the rows, which staff may edit. Every text is
wrapped in ``_()`` (``gettext_noop``: nothing is translated here) so that ``makemessages``
extracts it and the ``.po`` files can translate it; the page looks each row's text up with
``gettext``. Answers are Markdown (CommonMark) with placeholders in braces, filled when the page
is rendered (``help/rendering.py``, ``PLACEHOLDERS``). Changing a text here after it was seeded
changes nothing on an existing site by itself: see docs/help.md, "Adding and changing questions".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as _


@dataclass(frozen=True)
class Question:
    anchor: str
    question: str
    answer: str


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    questions: tuple[Question, ...]


BASICS = Section(
    "basics",
    _("Basics"),
    (
        Question(
            "packages",
            _("What's a package, project, or release?"),
            _(
                "These words have precise meanings on {site_name}:\n\n"
                "- A **project** is a name under which software is published, together with "
                "everything known about it: its description, its collaborators and its history.\n"
                "- A **release** is one version of a project, such as 2.1.0. It holds one or "
                "more files.\n"
                "- A **file**, often called a *package* or a *distribution*, is what installers "
                "download: a source distribution (`.tar.gz`) or a built wheel (`.whl`). One "
                "release can offer a source distribution and several wheels, one for each "
                "platform or Python version it was built for.\n\n"
                "In Python code, a package is also a directory of modules you import. That is a "
                "different thing: the name you import need not be the project's name."
            ),
        ),
        Question(
            "installing",
            _("How do I install a package from this index?"),
            _(
                "Give your installer the address of this index's Simple API, `{simple_url}`:\n\n"
                "```sh\n"
                "pip install --index-url {simple_url} PROJECT\n"
                "uv pip install --index-url {simple_url} PROJECT\n"
                "```\n\n"
                "To use it every time, put it in pip's configuration file (`pip.conf`, or "
                "`pip.ini` on Windows):\n\n"
                "```ini\n"
                "[global]\n"
                "index-url = {simple_url}\n"
                "```\n\n"
                "If you also need projects from the public index, be careful with "
                "`--extra-index-url`: pip then takes the best version offered by either index, "
                "so a project of the same name on the public index can be installed in place of "
                "yours. The Python Packaging User Guide's "
                "[tutorial on installing packages]"
                "(https://packaging.python.org/en/latest/tutorials/installing-packages/) covers "
                "the rest."
            ),
        ),
        Question(
            "publishing",
            _("How do I package and publish my code on this index?"),
            _(
                "Build your project into distribution files, then upload them with an API "
                "token:\n\n"
                "1. Describe your project in `pyproject.toml` and run `python -m build`: a source "
                "distribution and a wheel appear in `dist/`.\n"
                "2. [Register]({register_url}), verify your email address, turn on "
                "[two-factor authentication]({two_factor_url}) and create an "
                "[API token]({tokens_url}) (see [API tokens](#apitoken)).\n"
                "3. Upload the files with twine or uv:\n\n"
                "```sh\n"
                "twine upload --repository-url {upload_url} -u __token__ dist/*\n"
                "uv publish --publish-url {upload_url} --token pypi-…\n"
                "```\n\n"
                "The first upload under a new name creates the project, with you as its Owner. "
                "For a step-by-step introduction to packaging, read the "
                "[packaging tutorial of the Python Packaging User Guide]"
                "(https://packaging.python.org/en/latest/tutorials/packaging-projects/)."
            ),
        ),
        Question(
            "trove-classifier",
            _("What's a trove classifier?"),
            _(
                "Classifiers are standard labels, such as `Programming Language :: Python :: 3` "
                "or `Development Status :: 5 - Production/Stable`, that say who a project is for, "
                "how mature it is and where it runs. List them under `classifiers` in "
                "`pyproject.toml`; the project page shows them.\n\n"
                "Only classifiers of the official list are accepted: an upload with a classifier "
                "that is not on it, or that the list has retired, is refused with a message "
                "naming it (and its replacement, when there is one). The list is maintained by "
                "the [trove-classifiers project](https://github.com/pypa/trove-classifiers)."
            ),
        ),
        Question(
            "yanked",
            _("What's a “yanked” release?"),
            _(
                "Yanking marks a release as one that installers should avoid, without removing "
                "it (PEP 592). pip, uv and other installers skip a yanked release when they "
                "choose a version, unless the requirement names exactly that version (`==1.0` "
                "or `===1.0`); when they do install it, they show the reason the Owners gave. "
                "The Simple API, the JSON API and the release page all mark it.\n\n"
                "Yank a broken or harmful release rather than deleting it: whoever pinned it "
                "keeps working, and a yank can be undone. Owners yank and un-yank on the "
                "release's page under [Your projects]({projects_url}), or from a script with "
                "the [project management API](#manage-api)."
            ),
        ),
    ),
)

MY_ACCOUNT = Section(
    "my-account",
    _("My account"),
    (
        Question(
            "verified-email",
            _("Why do I need a verified email address?"),
            _(
                "A verified primary email address is needed to create a project, to upload, "
                "to create API tokens and to be invited to a project. It is how the "
                "administrators and your fellow maintainers reach you about your projects, and "
                "it makes registering throwaway accounts in bulk harder.\n\n"
                "On your [email addresses page]({email_url}) you can add an address, make it "
                "primary and have a new confirmation link sent. The link in the mail works for "
                "one day."
            ),
        ),
        Question(
            "two-factor-authentication",
            _("Why do I need two-factor authentication to upload?"),
            _(
                "An upload is refused unless the account that owns the API token has an "
                "authentication application or a security key (recovery codes alone do not "
                "count). The same goes for managing API tokens and projects. A stolen password "
                "is then not enough to create a token and publish malicious releases in your "
                "name. Set it up on your [two-factor authentication page]({two_factor_url}); "
                "[what is two-factor authentication](#twofa) explains the methods."
            ),
        ),
        Question(
            "compromised-password",
            _("Why does this site say my password is compromised?"),
            _(
                "It does not mean this index was broken into. When its administrators have "
                "turned the check on, every password you choose or log in with is compared with "
                "the passwords known from public data breaches, through the Have I Been Pwned "
                "service. Only the first five characters of the password's SHA-1 hash are sent "
                "for that: neither the password nor its full hash ever leaves this site.\n\n"
                "A password found in a breach cannot be chosen. If yours is found when you log "
                "in, it is disabled, and you must [choose a new one]({reset_password_url}) "
                "before you can log in again. Attackers try breached passwords everywhere "
                "(credential stuffing), so also change it on every other site where you used it."
            ),
        ),
        Question(
            "suspicious-activity",
            _("What should I do if I notice suspicious activity on my account?"),
            _(
                "Your [security history]({history_url}) lists every security event of your "
                "account: logins and failed logins, changes to your password, email addresses, "
                "second factors and API tokens, and every mail sent to you. If you see something "
                "you did not do:\n\n"
                "1. [Reset your password]({reset_password_url}).\n"
                "2. Review your [second factors]({two_factor_url}): remove any you do not "
                "recognise, and generate new recovery codes.\n"
                "3. Delete the [API tokens]({tokens_url}) you did not create or no longer use.\n"
                "4. Tell {contact} what you saw and when."
            ),
        ),
        Question(
            "compromised-token",
            _("Why does this site say my API token is compromised?"),
            _(
                "A secret-scanning service (GitHub's, for example) found one of your tokens "
                "somewhere public, such as a file in a public repository, and reported it to "
                "this index. The token was revoked at once, and you received a mail saying "
                "which token it was and where it was found.\n\n"
                "Remove it from where it leaked and find out how it got there. Check your "
                "[security history]({history_url}) and your projects' histories for anything "
                "you did not do (see [suspicious activity](#suspicious-activity)). Then "
                "[create a new token]({tokens_url}), and keep it in your CI service's secret "
                "store rather than in a file."
            ),
        ),
        Question(
            "twofa",
            _("What is two-factor authentication and how does it work here?"),
            _(
                "Two-factor authentication (2FA) asks for a second proof besides your password: "
                "something only you have. Here it can be:\n\n"
                "- an [authentication application](#totp) that shows a new six-digit code every "
                "30 seconds;\n"
                "- a [security key](#utfkey): a USB or NFC key, or a phone or computer acting as "
                "one;\n"
                "- [recovery codes](#recoverycodes), for when you have lost the others.\n\n"
                "After your password, the login asks for your second factor. Two-factor "
                "authentication is required to manage API tokens and projects and to upload. "
                "Set up two methods (an application and a key, or two keys) and keep recovery "
                "codes, so that losing one device does not lock you out. Everything is on your "
                "[two-factor authentication page]({two_factor_url})."
            ),
        ),
        Question(
            "totp",
            _(
                "How does two-factor authentication with an authentication application (TOTP) "
                "work? How do I set it up?"
            ),
            _(
                "An authentication application computes short-lived codes from a secret it "
                "shares with this index and from the current time (the TOTP standard, RFC "
                "6238). Any TOTP application will do: open-source ones such as Aegis or FreeOTP, "
                "the code generators built into many password managers, or the authenticator "
                "apps of the large vendors.\n\n"
                "To add one:\n\n"
                "1. On your [two-factor authentication page]({two_factor_url}), choose **Add 2FA "
                "with authentication application**.\n"
                "2. Scan the QR code with the application, or type in the secret key shown with "
                "it.\n"
                "3. Type the code the application now shows, to confirm.\n\n"
                "From then on the login asks, after your password, for the application's "
                "current code. An account has one authentication application: to move to a new "
                "phone, remove the old one and add the new one. If codes are refused, see "
                "[TOTP trouble](#totp_trouble); if you lose the application, log in with a "
                "[recovery code](#recoverycodes)."
            ),
        ),
        Question(
            "utfkey",
            _(
                "How does two-factor authentication with a security device (such as a USB key) "
                "work? How do I set it up?"
            ),
            _(
                "A security key proves that you hold it by signing a challenge from this index "
                "(the WebAuthn standard). The signature is tied to this site's address, so a "
                "look-alike site cannot replay it: unlike a code, a key cannot be phished.\n\n"
                "You need a browser that supports WebAuthn (all current ones do) with "
                "JavaScript turned on, and a key that follows the FIDO2 or FIDO U2F "
                "specification. To add one:\n\n"
                "1. On your [two-factor authentication page]({two_factor_url}), choose **Add 2FA "
                "with security device (e.g. USB key)**.\n"
                "2. Give the key a name, to tell your keys apart later, and continue.\n"
                "3. Choose **Set up security device** and follow your browser: insert and touch "
                "the key, or confirm on your device.\n\n"
                "You can register several keys. At login, after your password, choose **Use "
                "security key**. Keep [recovery codes](#recoverycodes) for the day you lose your "
                "keys."
            ),
        ),
        Question(
            "utfdevices",
            _("What devices other than a USB key can I use as a security device?"),
            _(
                "Anything your browser can use through WebAuthn: hardware keys that connect by "
                "USB, NFC or Bluetooth; the fingerprint reader or face recognition of a laptop "
                "or phone (Windows Hello, Touch ID, Android's screen lock); and passkeys stored "
                "by a password manager. Which of them your browser offers depends on the browser "
                "and the operating system. New kinds of authenticators work here as soon as "
                "browsers support them, since this index relies only on the standard."
            ),
        ),
        Question(
            "recoverycodes",
            _("How does two-factor authentication with a recovery code work? How do I set it up?"),
            _(
                "Recovery codes are the way back in when you can no longer use your "
                "authentication application or your security keys. They are not a second factor "
                "for every day.\n\n"
                "Once you have an application or a key, choose **Generate recovery codes** on "
                "your [two-factor authentication page]({two_factor_url}). You get eight codes, "
                "shown this once only: print them or save them in a password manager, away from "
                "the devices they stand in for.\n\n"
                "To use one, log in with your password, choose **Log in using a recovery code** "
                "and type one of them. Each code works once, and you receive a mail each time "
                "one is used. The same page tells you how many are left; when few remain, "
                "generate a new set (the old codes then stop working). A login with a recovery "
                "code from a new place may also [need confirming by mail](#unrecognized_login)."
            ),
        ),
        Question(
            "apitoken",
            _("How can I use API tokens to authenticate?"),
            _(
                "Upload clients (twine, uv, your CI jobs) authenticate with API tokens; "
                "passwords are not accepted for uploads. You need a "
                "[verified email address](#verified-email) and "
                "[two-factor authentication](#two-factor-authentication) first. Then, on your "
                "[API tokens page]({tokens_url}), choose:\n\n"
                "- its **scope**: your whole account, or one project. A project token cannot "
                "touch your other projects: use one per project in CI.\n"
                "- its **expiry**: none, or from one day to one year.\n"
                "- its **permissions**: *Upload only* (the default), or *Upload and manage*, "
                "which also lets a script yank, un-yank and delete releases and files and "
                "manage collaborators through the [project management API](#manage-api). This "
                "choice cannot be changed later.\n\n"
                "The token is shown once. Use `__token__` as the username and the whole token, "
                "with its `pypi-` prefix, as the password:\n\n"
                "```sh\n"
                "twine upload --repository-url {upload_url} -u __token__ -p pypi-… dist/*\n"
                "```\n\n"
                "or in `~/.pypirc`:\n\n"
                "```ini\n"
                "[distutils]\n"
                "index-servers = ours\n\n"
                "[ours]\n"
                "repository = {upload_url}\n"
                "username = __token__\n"
                "password = pypi-…\n"
                "```\n\n"
                "Keep tokens in your CI service's secret store, never in a repository. The token "
                "list shows when each token was last used, and its identifier: the identifier "
                "is also written inside the token, so decoding a token with base64 tells you "
                "which one it is. Scripts can create and delete tokens too, through the token "
                "API at `{token_api_url}` (with your password and a current authentication "
                "code)."
            ),
        ),
        Question(
            "sensitiveactions",
            _("Why do certain actions require me to confirm my password?"),
            _(
                "Some actions would let whoever finds your session open — on a shared or "
                "unlocked computer, say — take over your account or your projects: changing "
                "second factors, creating or deleting API tokens, deleting your account, and "
                "every change on a project's management pages (yanking, deleting, "
                "collaborators, archiving). Before these, you are asked for your password again "
                "unless you entered it in the last {sudo_minutes} minutes. Do such things only "
                "on a computer you trust."
            ),
        ),
        Question(
            "unrecognized_login",
            _("Why was I asked to confirm a login by email?"),
            _(
                "You logged in with an authentication-application code or a recovery code from "
                "a network address your account has not used before. Such codes can be phished "
                "along with a password, so the login waits until you open the link we mailed to "
                "your address, from the same device. The link works for "
                "{login_confirmation_minutes} minutes. Once confirmed, that address is "
                "remembered.\n\n"
                "Logging in with a security key never needs this step, because a key cannot be "
                "phished. The administrators of this index can turn the check off."
            ),
        ),
        Question(
            "username-change",
            _("How do I change my username?"),
            _(
                "You cannot: a username is permanent, because project histories and the APIs "
                "refer to it. If you need a different one, register a new account, invite it as "
                "Owner of each of your projects and accept the invitations, then "
                "[delete the old account]({delete_account_url}). Do the invitations first: an "
                "account that is the only Owner of a project cannot be deleted."
            ),
        ),
        Question(
            "trusted-publishers",
            _("How can I use Trusted Publishers to publish?"),
            _(
                "Not on this index yet. Trusted publishing lets a CI service such as GitHub "
                "Actions upload for a project with a short-lived credential it obtains through "
                "OpenID Connect, so that no long-lived API token needs to be stored anywhere. It "
                "is being built for this index. Until it is available, give your CI an "
                "[API token](#apitoken) limited to the one project, with an expiry, kept in the "
                "CI service's secret store."
            ),
        ),
    ),
)

INTEGRATING = Section(
    "integrating",
    _("Integrating"),
    (
        Question(
            "APIs",
            _("Does this index have APIs I can use?"),
            _(
                "Yes. They are the interfaces of the public index, so the existing tools work "
                "with this one unchanged:\n\n"
                "- **Simple Repository API**, `{simple_url}`: what pip and uv read. HTML (PEP "
                "503) or JSON (PEP 691), chosen with the `Accept` header or `?format=`, with "
                "file hashes, yanked releases (PEP 592), metadata files (PEP 658) and the "
                "project's status (PEP 792).\n"
                "- **JSON API**, `{json_url}` for a project and `{json_release_url}` for one "
                "release: metadata, files, hashes and upload times.\n"
                "- **XML-RPC**, `{xmlrpc_url}`: the calls mirrors use (`changelog_last_serial`, "
                "`changelog_since_serial`, `list_packages_with_serial`, `package_releases`, "
                "`release_urls`, `package_roles`, `user_packages`, `browse`). `search` is not "
                "available.\n"
                "- **RSS feeds** of new releases and projects: see "
                "[notifications](#project-release-notifications).\n"
                "- **Uploads**, `{upload_url}`: the endpoint of twine and uv publish.\n\n"
                "Every change to a project moves its serial number, sent in the "
                "`X-PyPI-Last-Serial` header, so a client can tell whether what it holds is "
                "current. Two more APIs exist here that the public index does not have: the "
                "[project management API](#manage-api) and the token API (see "
                "[API tokens](#apitoken))."
            ),
        ),
        Question(
            "manage-api",
            _("Can a script yank, delete or manage collaborators of my project?"),
            _(
                "Yes: this is something the public index does not offer. With an API token "
                "created with the **Upload and manage** permission, a script can do under "
                "`{manage_api_url}` what an Owner does on the management pages: read the "
                "project's releases and collaborators, yank and un-yank releases, delete "
                "releases and files, invite collaborators, change their roles and remove them. "
                "Creating, archiving and deleting whole projects stay on the web pages.\n\n"
                "```sh\n"
                'curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
                '     -d \'{"reason": "broken on Windows, use 1.0.1"}\' \\\n'
                "     {manage_api_url}releases/1.0/yank/\n"
                "```\n\n"
                "The token's scope and expiry apply, and so does your role: with a Maintainer's "
                "token a script can read but not change. Every change is recorded in the "
                "project's history, naming the token, and mailed to the collaborators as when "
                "it is made on the web pages. The full reference, every endpoint and error, is "
                "`docs/manage-api.md` in the documentation of this index's software."
            ),
        ),
        Question(
            "mirroring",
            _("How can I run a mirror of this index?"),
            _(
                "Use [bandersnatch](https://bandersnatch.readthedocs.io/), the usual mirroring "
                "tool. Set its `master` to this index; it can follow changes through XML-RPC or "
                "through the Simple API:\n\n"
                "```ini\n"
                "[mirror]\n"
                "directory = /srv/mirror\n"
                "master = {site_url}\n"
                "; or: simple\n"
                "api-method = xmlrpc\n"
                "json = true\n"
                "workers = 3\n"
                "```\n\n"
                "A mirror remembers the last serial it saw and afterwards asks only for what "
                "changed since, including yanks and deletions. The first run downloads every "
                "file: tell {contact} before you start one on a large index."
            ),
        ),
        Question(
            "project-release-notifications",
            _("How do I get notified when a new version of a project is released?"),
            _(
                "Subscribe to this index's RSS feeds in a feed reader:\n\n"
                "- `{rss_project_url}`: the releases of one project (put its name in place of "
                "PROJECT);\n"
                "- [{rss_updates_url}]({rss_updates_url}): the newest releases of every "
                "project;\n"
                "- [{rss_packages_url}]({rss_packages_url}): newly created projects.\n\n"
                "The collaborators of a project are also mailed when one of its releases is "
                "yanked or deleted, or the project is archived."
            ),
        ),
        Question(
            "statistics",
            _("Where can I see statistics about this index, its downloads and its projects?"),
            _(
                "The [home page]({home_url}) counts the projects, releases, files and users of "
                "this index. Downloads are not counted: there are no download statistics. "
                "For metadata in bulk, use the [JSON API and XML-RPC](#APIs); "
                "for this index's uptime and performance, ask {contact}."
            ),
        ),
        Question(
            "verify-hashes",
            _("What are the file hashes used for, and how can I verify them?"),
            _(
                "When a file is uploaded, this index computes its SHA-256, BLAKE2b-256 and MD5 "
                "digests. With them you can check that a file you got, from here, from a cache "
                "or from a mirror, has exactly the bytes that were uploaded. The Simple API "
                "gives the SHA-256 digest with every file, and pip checks it by itself; the "
                "release page and the JSON API (`{json_url}`) give all three.\n\n"
                "To check a file by hand:\n\n"
                "```sh\n"
                "sha256sum sample-1.0-py3-none-any.whl\n"
                "b2sum -l 256 sample-1.0-py3-none-any.whl\n"
                "```\n\n"
                "or in Python:\n\n"
                "```python\n"
                "import hashlib\n\n"
                'with open("sample-1.0-py3-none-any.whl", "rb") as f:\n'
                '    print(hashlib.file_digest(f, "sha256").hexdigest())\n'
                "```\n\n"
                "One strong digest (SHA-256 or BLAKE2b-256) is enough. MD5 is there only for old "
                "tools: it is broken and proves nothing. To make pip refuse any file whose digest "
                "you have not written down, pin hashes in your requirements file and install with "
                "`--require-hashes`."
            ),
        ),
    ),
)

ADMINISTRATION = Section(
    "administration",
    _("Administration of projects"),
    (
        Question(
            "private-indices",
            _("How can I publish private packages?"),
            _(
                "This index belongs to the organisation that runs it, which makes it the place "
                "for packages you do not put on the public index. It has no private projects, "
                "though: every project here can be seen and installed by everyone who can reach "
                "this index, logged in or not. Who can reach it is up to its administrators "
                "(only from inside your network, for example).\n\n"
                "If some packages must be visible to fewer people, ask {contact} for a separate "
                "index, or run one yourself, for example with [devpi](https://devpi.net/), which "
                "has per-user indexes. To install from this index and the public one together, "
                "read the warning under [installing](#installing) first."
            ),
        ),
        Question(
            "project-name",
            _("Why isn't my desired project name available?"),
            _(
                "The upload's error message says which of these applies:\n\n"
                "- **The name is taken.** Names are compared after normalisation, so "
                "`My_Project`, `my-project` and `my.project` are one name. A project with no "
                "release left still holds its name. You can upload to an existing project only "
                "as one of its Owners or Maintainers.\n"
                "- **It is the name of a standard-library module**, of any Python version: "
                "`pip install` of that name would surprise people.\n"
                "- **It is too close to an existing project's name**: the same once separators "
                "are removed and `l`, `i` and `1`, or `o` and `0`, are taken as the same "
                "character.\n"
                "- **The administrators of this index have prohibited it**, for example because "
                "it is a common typing mistake.\n\n"
                "For a name that is taken but looks unused, see "
                "[claiming a name](#project-name-claim)."
            ),
        ),
        Question(
            "project-name-claim",
            _("How do I claim an abandoned or previously registered project name?"),
            _(
                "Names are not handed over automatically. First ask the project's Owners, listed "
                "on its page, to [invite you](#request-ownership). If none of them can be reached "
                "or the project is plainly abandoned, write to {contact} with the name, what you "
                "want to use it for and how you tried to reach the Owners. The administrators "
                "decide; many follow the rules the public index applies to name transfers (PEP "
                "541): an unused name can be transferred, a project that people install is not "
                "taken away from working maintainers."
            ),
        ),
        Question(
            "collaborator-roles",
            _("What collaborator roles are available for a project?"),
            _(
                "Two:\n\n"
                "- **Maintainer**: uploads new releases and files, and sees the project's "
                "management pages and history. A Maintainer cannot change anything else.\n"
                "- **Owner**: everything a Maintainer does, and also yanks and un-yanks "
                "releases; deletes files, releases and the project; invites collaborators, "
                "changes their roles and removes them; archives the project.\n\n"
                "A project always has at least one Owner. The same rules apply to the "
                "[project management API](#manage-api)."
            ),
        ),
        Question(
            "request-ownership",
            _("How do I become an owner or maintainer of a project?"),
            _(
                "Only a project's Owners can add collaborators. Ask one of them (the project "
                "page lists them) to invite you; you will receive a mail with a link to accept "
                "or decline. If no Owner answers, see [claiming a name](#project-name-claim)."
            ),
        ),
        Question(
            "collaborators",
            _("How do I add a collaborator to my project?"),
            _(
                "On the project's **Collaborators** page under [Your projects]({projects_url}), "
                "an Owner invites a user by username, as Owner or Maintainer. The user needs a "
                "verified email address. They receive a mail with a link to accept or decline, "
                "valid for {invitation_hours} hours; the role exists only once they accept, and "
                "until then the invitation can be revoked.\n\n"
                "Owners can later change a collaborator's role or remove them, and a "
                "collaborator can leave a project, except its only Owner: a project always keeps "
                "at least one Owner. Nobody demotes themselves: another Owner does it. Every "
                "change is mailed to the Owners and to the collaborator concerned."
            ),
        ),
        Question(
            "description-content-type",
            _("How can I upload a project description in a different format?"),
            _(
                "The description is rendered according to the metadata's "
                "`Description-Content-Type`:\n\n"
                "- `text/markdown`: Markdown, GitHub's flavour by default (add "
                "`; variant=CommonMark` for plain CommonMark);\n"
                "- `text/x-rst`: reStructuredText, also used when no type is given;\n"
                "- `text/plain`: shown as it is.\n\n"
                "With `pyproject.toml`, the readme file's extension decides: `readme = "
                '"README.md"` is Markdown, `readme = "README.rst"` reStructuredText. A '
                "description may be at most {description_limit_kib} KiB and must render within "
                "{render_seconds} seconds. If yours is refused, see "
                "[the description failed to render](#description-render-failure)."
            ),
        ),
        Question(
            "file-size-limit",
            _("How do I get a file size limit exemption or increase for my project?"),
            _(
                "A file may be at most {file_limit_mib} MiB, unless the administrators have "
                "raised the limit for your project (to at most {upload_cap_mib} MiB). The "
                "project's settings page shows its limits. To ask for more, write to {contact} "
                "with:\n\n"
                "- the project's name (upload one release under the limit first, so that the "
                "project exists);\n"
                "- the size of the largest file you need to upload;\n"
                "- why the files are that large.\n\n"
                "Large files can often be avoided: leave tests, data and documentation out of "
                "wheels, and strip debugging symbols from compiled extensions."
            ),
        ),
        Question(
            "project-size-limit",
            _("How do I get a total project size limit exemption or increase for my project?"),
            _(
                "All of a project's files together may take at most {project_limit_gib} GiB, "
                "unless the administrators have raised the limit for your project. When you "
                "reach it, first delete what nobody needs any more: old pre-releases, "
                "development builds, wheels for Python versions you no longer support (deleted "
                "file names can [never be used again](#file-name-reuse)). If that is not enough, "
                "write to {contact} with the project's name, the total size you need and why."
            ),
        ),
        Question(
            "vulnerability-data",
            _(
                "Where does this index get its data on project vulnerabilities from, and how "
                "can I correct it?"
            ),
            _(
                "It has none: this index does not import vulnerability reports, and the "
                "`vulnerabilities` list of its JSON API is always empty. To audit your "
                "dependencies, use a tool such as [pip-audit](https://github.com/pypa/pip-audit) "
                "or the [OSV database](https://osv.dev/), which cover the projects of the public "
                "index. If you find a vulnerability in a project hosted here, tell its Owners "
                "privately, and tell {contact} if it is being exploited."
            ),
        ),
        Question(
            "deletion",
            _("How can I restore a deleted project, release or file?"),
            _(
                "You cannot: deletion takes effect at once and is final, and the administrators "
                "cannot bring anything back either. Deleting a project also frees its name for "
                "anyone to register, and the names of deleted files can "
                "[never be uploaded again](#file-name-reuse).\n\n"
                "Owners delete files, releases and whole projects under "
                "[Your projects]({projects_url}), confirming by typing the name of what they "
                "delete; files and releases can also be deleted with the "
                "[project management API](#manage-api). Before you delete, consider "
                "[yanking](#yanked) a bad release or [archiving](#archived-project) a finished "
                "project: both keep existing installs working and can be undone. The "
                "administrators can also switch deletion off for a while."
            ),
        ),
        Question(
            "archived-project",
            _("What does archiving a project do?"),
            _(
                "Archiving tells users that a project is no longer maintained. An archived "
                "project takes no new uploads; its page and the Simple API (PEP 792) say it is "
                "archived; all of its releases stay installable. Yanking and deleting remain "
                "possible. Owners archive and unarchive a project on its settings page under "
                "[Your projects]({projects_url}), and every collaborator is mailed."
            ),
        ),
    ),
)

TROUBLESHOOTING = Section(
    "troubleshooting",
    _("Troubleshooting"),
    (
        Question(
            "description-render-failure",
            _("Why am I getting “the description failed to render” error?"),
            _(
                "An upload that creates a release is refused when its description cannot be "
                "rendered in the declared format (reStructuredText when none is declared), or "
                "takes longer than {render_seconds} seconds to render. Check your files before "
                "uploading them:\n\n"
                "```sh\n"
                "twine check dist/*\n"
                "```\n\n"
                "It renders the description as this index does and shows the errors. The most "
                "common cause is a Markdown README read as reStructuredText: declare its "
                "[content type](#description-content-type)."
            ),
        ),
        Question(
            "uploading",
            _("Why can't I upload files through the website?"),
            _(
                "This index has no upload form: files are uploaded by tools, with an "
                "[API token](#apitoken), to `{upload_url}`. Use twine or uv publish as shown "
                "under [publishing](#publishing). A tool uploads the files exactly as they were "
                "built, checks them first, and the same command works in CI."
            ),
        ),
        Question(
            "login-problem",
            _("I forgot my password. Can you help me?"),
            _(
                "You can reset it yourself: on the [password reset page]({reset_password_url}), "
                "enter your username or your email address. If an account matches, a link to "
                "choose a new password is mailed to it. No mail after a few minutes? Look in your "
                "spam folder, and check that you entered the address of your account. After the "
                "reset, the login still asks for your second factor."
            ),
        ),
        Question(
            "account-recovery",
            _("I've lost access to my account. Can you help me?"),
            _(
                "If you still have one second factor or a recovery code, help yourself: "
                "[reset your password](#login-problem), or log in with a "
                "[recovery code](#recoverycodes) and set up a new second factor.\n\n"
                "If you have lost every second factor and every recovery code, or can no longer "
                "receive mail at your account's address, write to {contact} with your username, "
                "from an address you can show is yours. The administrators must be sure that "
                "the account is yours before they change anything, which takes time, and they "
                "may refuse when that cannot be shown. Two second factors and safely kept "
                "recovery codes prevent all this."
            ),
        ),
        Question(
            "invalid-auth",
            _(
                "Why am I getting an “Invalid or non-existent authentication information.” "
                "error when uploading files?"
            ),
            _(
                "The upload's credentials were not accepted. Check that:\n\n"
                "- the username is exactly `__token__`;\n"
                "- the password is the whole token, starting with `pypi-`, with no space or line "
                "break at the end (a token read from a file often ends with one);\n"
                "- the token still exists on your [API tokens page]({tokens_url}): it may have "
                "been deleted, or revoked after being [found in public](#compromised-token);\n"
                "- you are uploading to this index, `{upload_url}`, with a token of this index: "
                "this index and the public one have separate accounts and tokens.\n\n"
                "On Windows, Ctrl+V may not paste into the hidden password prompt: use the "
                "window's Edit → Paste menu, or pass the token with `-p` or in the "
                "`TWINE_PASSWORD` environment variable."
            ),
        ),
        Question(
            "tls-deprecation",
            _(
                "Why am I getting “No matching distribution found” or “Could not fetch URL” "
                "errors during pip install?"
            ),
            _(
                "pip says this when it found no file it can install, or could not read this "
                "index at all. Run the command again with `-v` to see which. The usual causes:\n\n"
                "- **the index address is wrong**: it must be the Simple API, `{simple_url}`;\n"
                "- **no file fits**: the project or version does not exist here, or none of its "
                "files suits your Python version or platform (see its `Requires-Python` and "
                "its wheels on the project page), or the project is "
                "[quarantined](#project_in_quarantine);\n"
                "- **TLS errors** (`CERTIFICATE_VERIFY_FAILED`, `TLSV1_ALERT_PROTOCOL_VERSION`): "
                "your Python or its OpenSSL is too old for the TLS versions this index accepts, "
                "or does not trust the authority that signed its certificate. Upgrade Python, "
                "or give pip your organisation's certificate bundle with `--cert` or the "
                "`PIP_CERT` environment variable;\n"
                "- **a proxy** between you and this index: set `HTTPS_PROXY`, or ask your "
                "network's administrators.\n\n"
                "If only this index fails, send {contact} the command and its `-v` output."
            ),
        ),
        Question(
            "accessibility",
            _("I am having trouble using this website. Can you help me?"),
            _(
                "Every page of this index should work for everyone: with a keyboard alone, with "
                "a screen reader, with large text, in dark or high-contrast modes, and without "
                "JavaScript (only security keys need it). If something stands in your way, tell "
                "{contact} which page it was, what you were trying to do, and which browser and "
                "assistive technology you use."
            ),
        ),
        Question(
            "admin-intervention",
            _("Why did my package or user registration get blocked?"),
            _(
                "The administrators of this index can switch off, for a while, the registration "
                "of new users, the creation of new projects, uploads, deletions, or every change "
                "at once (read-only mode), for example during a spam attack or maintenance. The "
                "error message says which. Nothing is wrong with your account or your package: "
                "try again later, or ask {contact} how long it will last."
            ),
        ),
        Question(
            "file-name-reuse",
            _(
                "Why am I getting a “File already exists” or “Filename has been previously "
                "used” error?"
            ),
            _(
                "One of these is true:\n\n"
                "- a file of that name is already on this index;\n"
                "- a file of that name was uploaded once and then deleted: file names are kept "
                "for ever, even after the file, its release or its whole project is deleted;\n"
                "- a file with exactly the same contents already exists here, under another "
                "name.\n\n"
                "Once published, a file name always stands for the same bytes: whoever installs "
                "`sample-1.0.tar.gz`, today or in a year, gets the same file, and nobody can swap "
                "it quietly. A corrected file therefore needs a new version number: raise the "
                "version (a post-release such as `1.0.post1` will do), build and upload again. "
                "Uploading a file identical to one already here succeeds and changes nothing, "
                "so a retried upload does not fail."
            ),
        ),
        Question(
            "file-validity",
            _("Which files are accepted?"),
            _(
                "Source distributions, one per release, named exactly "
                "`<name>-<version>.tar.gz` with the project's normalised name (PEP 625); and "
                "wheels (`.whl`), named by the wheel rules, with a platform tag this index "
                "supports and metadata that agrees with the upload's. Archives must be well "
                "formed: a ZIP file with nothing before its first entry or after its end, no "
                "overlapping or repeated entries and only stored or deflated members, and a "
                "wheel whose contents match its `RECORD`. Files can be added to a release for "
                "14 days after it was created. The error message says what is wrong."
            ),
        ),
        Question(
            "new-classifier",
            _("How do I request a new trove classifier?"),
            _(
                "This index accepts the classifiers of the official list, published as the "
                "`trove-classifiers` package. Propose a new one with a pull request to the "
                "[trove-classifiers project](https://github.com/pypa/trove-classifiers), "
                "explaining who needs it. Once it is released there, it is accepted here as soon "
                "as the administrators update this index's copy of the package."
            ),
        ),
        Question(
            "feedback",
            _("Where can I report a bug or give feedback about this index?"),
            _(
                "About this index itself (a page that misbehaves, a message you do not "
                "understand, something you miss), write to {contact}. About a project hosted "
                "here, contact its maintainers: its page lists them and the links they "
                "published. This index runs its own software, not the public index's: problems "
                "with the public index belong on that index's own channels."
            ),
        ),
        Question(
            "totp_trouble",
            _(
                "I'm having trouble setting up two-factor authentication with an authentication "
                "application (TOTP). Can you help me?"
            ),
            _(
                "Nearly always, the clock of the device running the application is wrong: the "
                "codes depend on the time. Make sure the device sets its time automatically, "
                "then try again. Type the code the application shows now (a new one comes every "
                "30 seconds), and use each code once only. If you scanned the QR code more than "
                "once, delete the older entries in the application. Still stuck? Use a "
                "[security key](#utfkey) instead, or ask {contact}."
            ),
        ),
        Question(
            "project_in_quarantine",
            _("My project says it's in quarantine. What does that mean?"),
            _(
                "The administrators of this index have set the project aside while they examine "
                "it, usually because a release looks malicious or the project breaks the rules "
                "of this index. While it is in quarantine, its files cannot be downloaded or "
                "installed, it is left out of the Simple index, the JSON API and the feeds, and "
                "its page stays up without files. Nobody, its Owners included, can upload, yank, "
                "delete or change its collaborators.\n\n"
                "After their review the administrators either release the project as it was or "
                "remove it. If you think it was quarantined by mistake, write to {contact} with "
                "the project's name and anything that helps."
            ),
        ),
    ),
)

ABOUT = Section(
    "about",
    _("About"),
    (
        Question(
            "maintainers",
            _("Who maintains this index?"),
            _(
                "{site_name} is run by the organisation that operates it, for its own people. "
                "Its administrators decide who may register, which names are allowed and what "
                "happens to projects; you can reach them at {contact}. The software is a "
                "separate re-implementation of the public index's, built with Django: neither "
                "the Python Packaging Authority nor the Python Software Foundation, who run the "
                "public index, run this one."
            ),
        ),
        Question(
            "sponsors",
            _("What powers this index?"),
            _(
                "Django, with a PostgreSQL or SQLite database, served by gunicorn. Files are kept "
                "on disk or in S3-compatible object storage, possibly behind a CDN, and Celery "
                "runs background work such as mail. It relies on the same open-source libraries "
                "as the rest of the Python packaging world, such as `packaging`, "
                "`readme_renderer` and `trove-classifiers`. The machines it runs on are provided "
                "by the organisation that operates it."
            ),
        ),
        Question(
            "availability",
            _("Can I depend on this index being available?"),
            _(
                "That depends on how it is run: this index makes no promise of its own, so ask "
                "{contact} about its availability and planned maintenance. You can also make "
                "your installs independent of it: keep a [mirror](#mirroring), or keep the "
                "files you deploy (`pip download -d wheels ...`, then `pip install --no-index "
                "--find-links wheels ...`). A caching proxy in front of this index helps CI "
                "too."
            ),
        ),
        Question(
            "contributing",
            _("How can I contribute to this index?"),
            _(
                "Help the people who run it: tell them what does not work or is unclear (see "
                "[feedback](#feedback)), and keep your own projects tidy: descriptions that "
                "render, accurate classifiers, broken releases [yanked](#yanked), finished "
                "projects [archived](#archived-project). To work on the software itself, ask "
                "{contact} where its source is kept."
            ),
        ),
        Question(
            "upcoming-changes",
            _("How do I keep up with upcoming changes to this index?"),
            _(
                "The administrators announce the changes that affect you (new features, "
                "maintenance, changed limits) through your organisation's usual channels; ask "
                "{contact} which. Changes to the packaging standards this index follows are "
                "discussed on the "
                "[Python packaging forum](https://discuss.python.org/c/packaging/14)."
            ),
        ),
        Question(
            "ips",
            _("How can I get a list of this index's IP addresses?"),
            _(
                "They depend on where your organisation hosts this index, and on any CDN in "
                "front of it: ask {contact}. For a firewall rule, allow the host name of "
                "`{site_url}` rather than addresses if your firewall can, since addresses "
                "change."
            ),
        ),
        Question(
            "beta-badge",
            _("What does the “beta feature” badge mean? What are the current beta features?"),
            _(
                "A feature marked as beta works but is new, and may still change. No feature of "
                "this index is in beta at the moment. Features that are not ready are not shown "
                "at all: [trusted publishing](#trusted-publishers), for example, is being built "
                "and not available yet. Organization accounts, which the public index has, are "
                "not planned here."
            ),
        ),
        Question(
            "pronunciation",
            _("How do I pronounce “PyPI”?"),
            _(
                "Say “pie”, then the letters P and I: “pie-pee-eye”. That keeps it apart from "
                "PyPy (“pie-pie”), another implementation of Python. This index, for its part, "
                "is called {site_name}."
            ),
        ),
    ),
)

RESOURCES = Section(
    "resources",
    _("Resources"),
    (
        Question(
            "more-resources",
            _("Where can I learn more about Python packaging?"),
            _(
                "- The [Python Packaging User Guide](https://packaging.python.org/): tutorials, "
                "guides and the specifications this index implements.\n"
                "- The [Python documentation](https://docs.python.org/3/): the language and its "
                "standard library, `venv` included.\n"
                "- The documentation of [pip](https://pip.pypa.io/) and "
                "[uv](https://docs.astral.sh/uv/): installing, and choosing an index.\n"
                "- The documentation of [twine](https://twine.readthedocs.io/): uploading."
            ),
        ),
    ),
)

CONTACT = Section(
    "contact",
    _("Contact"),
    (
        Question(
            "contact-admins",
            _("How do I contact the administrators of this index?"),
            _(
                "Write to {contact}. Give your username and, if it is about a project, its "
                "name. Never send a password, an API token or a recovery code: the "
                "administrators will never ask for one."
            ),
        ),
    ),
)

SECTIONS: tuple[Section, ...] = (
    BASICS,
    MY_ACCOUNT,
    INTEGRATING,
    ADMINISTRATION,
    TROUBLESHOOTING,
    ABOUT,
    RESOURCES,
    CONTACT,
)
