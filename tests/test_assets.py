"""Release objects as assets (``assets.py``): the four URI schemes as Airflow normalises and refuses them."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from urllib.parse import urlsplit

import pytest
from airflow.sdk import Asset

from airflow_provider_releases.assets import (
    InvalidAssetUriError,
    aha_product_asset,
    amplitude_asset,
    cryptlex_product_asset,
    launchdarkly_flag_asset,
    sanitize_aha_uri,
    sanitize_amplitude_uri,
    sanitize_cryptlex_uri,
    sanitize_launchdarkly_uri,
)
from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.get_provider_info import get_provider_info

LD_FORM = (
    "launchdarkly://<projectKey>/<flagKey> or launchdarkly://<projectKey>/<flagKey>?environment=<environmentKey>"
    " (such as launchdarkly://default/new-checkout?environment=production)"
)
AHA_FORM = "aha://<product key or numeric id> (such as aha://PRJ1 or aha://6776757454400085096)"
CX_FORM = "cryptlex://<productId> or cryptlex://<productId>?channel=<channel> (such as cryptlex://my-app?channel=beta)"
AMP_FORM = "amplitude://<project>, a name you give the project (such as amplitude://web-app)"
KEY_FORM = "an id or key of letters, digits, '.', '_', '~' or '-' (not starting with '.')"


# Normalised forms: Asset(...) runs Airflow's sanitizer, then the handler the provider registers.


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("launchdarkly://default/new-checkout", "launchdarkly://default/new-checkout"),
        ("LaunchDarkly://default/new-checkout", "launchdarkly://default/new-checkout"),
        ("launchdarkly://default/new-checkout///", "launchdarkly://default/new-checkout"),
        ("launchdarkly://default/new-checkout#beta", "launchdarkly://default/new-checkout"),
        ("launchdarkly://My.Project_1/Flag-2", "launchdarkly://My.Project_1/Flag-2"),  # keys keep their case
        (
            "launchdarkly://default/new-checkout/?environment=production",
            "launchdarkly://default/new-checkout?environment=production",
        ),
        ("aha://PRJ1", "aha://PRJ1"),
        ("AHA://PRJ1/", "aha://PRJ1"),
        ("aha://6776757454400085096", "aha://6776757454400085096"),
        ("cryptlex://0b7e4f2c-app", "cryptlex://0b7e4f2c-app"),
        ("Cryptlex://0b7e4f2c-app/?channel=beta", "cryptlex://0b7e4f2c-app?channel=beta"),
        ("cryptlex://0b7e4f2c-app?channel=beta&", "cryptlex://0b7e4f2c-app?channel=beta"),
        ("cryptlex://my_app?channel=early%20access", "cryptlex://my_app?channel=early+access"),
        ("cryptlex://my_app?channel=early+access#notes", "cryptlex://my_app?channel=early+access"),
        ("amplitude://web-app", "amplitude://web-app"),
        ("AMPLITUDE://web-app//", "amplitude://web-app"),
        ("amplitude://eu.web~app_2", "amplitude://eu.web~app_2"),
    ],
)
def test_asset_uris_are_normalised(written: str, normal: str) -> None:
    assert Asset(uri=written).uri == normal
    assert Asset(uri=normal).uri == normal  # normalising the normal form changes nothing


@pytest.mark.parametrize(
    ("handler", "normal"),
    [
        (sanitize_launchdarkly_uri, "launchdarkly://default/new-checkout"),
        (sanitize_aha_uri, "aha://PRJ1"),
        (sanitize_cryptlex_uri, "cryptlex://my_app?channel=early+access"),
        (sanitize_amplitude_uri, "amplitude://web-app"),
    ],
)
def test_each_handler_returns_the_normal_parts(handler, normal: str) -> None:
    parts = urlsplit(normal)
    assert handler(parts._replace(scheme=parts.scheme.upper(), path=parts.path + "/")) == parts


# Refused forms: the message names the URI, what is wrong and the accepted form.


@pytest.mark.parametrize(
    ("written", "shown", "problem", "form"),
    [
        (
            "launchdarkly://bad key/x",
            "launchdarkly://bad key/x",
            f"the project key 'bad key' is not {KEY_FORM}",
            LD_FORM,
        ),
        ("launchdarkly://default", "launchdarkly://default", "the flag key is missing", LD_FORM),
        ("launchdarkly://default/", "launchdarkly://default", "the flag key is missing", LD_FORM),
        (
            "launchdarkly:///new-checkout",
            "launchdarkly:///new-checkout",
            "the project key is missing",
            LD_FORM,
        ),
        (
            "launchdarkly://default/new checkout",
            "launchdarkly://default/new checkout",
            f"the flag key 'new checkout' is not {KEY_FORM}",
            LD_FORM,
        ),
        (
            "launchdarkly://default/.hidden",
            "launchdarkly://default/.hidden",
            f"the flag key '.hidden' is not {KEY_FORM}",
            LD_FORM,
        ),
        (
            "launchdarkly://default/new%2Dcheckout",
            "launchdarkly://default/new%2Dcheckout",
            f"the flag key 'new%2Dcheckout' is not {KEY_FORM}",
            LD_FORM,
        ),
        (
            "launchdarkly://default/new-checkout/extra/more",
            "launchdarkly://default/new-checkout/extra/more",
            "extra path segments 'extra/more' after the flag key",
            LD_FORM,
        ),
        (
            "launchdarkly://default//new-checkout",
            "launchdarkly://default//new-checkout",
            "the path '//new-checkout' has an empty segment ('//')",
            LD_FORM,
        ),
        (
            "launchdarkly://default/new-checkout?env=production",
            "launchdarkly://default/new-checkout?env=production",
            "unknown query key(s) 'env'; the query takes 'environment'",
            LD_FORM,
        ),
        (
            "launchdarkly://default:8080/new-checkout",
            "launchdarkly://default:8080/new-checkout",
            "a port (after ':') is not allowed",
            LD_FORM,
        ),
        ("aha://", "aha://", "the product is missing", AHA_FORM),
        ("aha://PRJ 1", "aha://PRJ 1", f"the product 'PRJ 1' is not {KEY_FORM}", AHA_FORM),
        ("aha://PRJ1.x", "aha://PRJ1.x", f"the product 'PRJ1.x' is not {KEY_FORM}", AHA_FORM),
        (
            "aha://PRJ1/PRJ1-R-1",
            "aha://PRJ1/PRJ1-R-1",
            "a path is not allowed on aha URIs (got '/PRJ1-R-1')",
            AHA_FORM,
        ),
        (
            "aha://PRJ1?release=R-1",
            "aha://PRJ1?release=R-1",
            "a query ('?...') is not allowed on aha URIs",
            AHA_FORM,
        ),
        (
            "cryptlex://my app",
            "cryptlex://my app",
            "the product id 'my app' is not a product id of 1 to 256 letters, digits, '_' or '-'",
            CX_FORM,
        ),
        (
            "cryptlex://" + "a" * 257,
            "cryptlex://" + "a" * 257,
            f"the product id '{'a' * 257}' is not a product id of 1 to 256 letters",
            CX_FORM,
        ),
        (
            "cryptlex://my-app?chanel=beta",
            "cryptlex://my-app?chanel=beta",
            "unknown query key(s) 'chanel'; the query takes 'channel'",
            CX_FORM,
        ),
        (
            "cryptlex://my-app?platform=linux&channel=beta",
            "cryptlex://my-app?channel=beta&platform=linux",  # Airflow sorted the query first
            "unknown query key(s) 'platform'; the query takes 'channel'",
            CX_FORM,
        ),
        (
            "cryptlex://my-app?channel=beta&channel=stable",
            "cryptlex://my-app?channel=beta&channel=stable",
            "the query gives 'channel' 2 times; give it once",
            CX_FORM,
        ),
        (
            "cryptlex://my-app?channel=%20%20",
            "cryptlex://my-app?channel=++",
            "the channel '  ' is not a non-empty string of at most 256 characters, not only white space",
            CX_FORM,
        ),
        (
            "cryptlex://my-app?channel=" + "b" * 257,
            "cryptlex://my-app?channel=" + "b" * 257,
            "is not a non-empty string of at most 256 characters (got 257 characters)",
            CX_FORM,
        ),
        (
            "cryptlex://my-app/beta",
            "cryptlex://my-app/beta",
            "a path is not allowed on cryptlex URIs",
            CX_FORM,
        ),
        ("amplitude://", "amplitude://", "the project is missing", AMP_FORM),
        ("amplitude://web app", "amplitude://web app", f"the project 'web app' is not {KEY_FORM}", AMP_FORM),
        ("amplitude://web-app/charts", "amplitude://web-app/charts", "a path is not allowed", AMP_FORM),
        (
            "amplitude://web-app?region=eu",
            "amplitude://web-app?region=eu",
            "a query ('?...') is not allowed",
            AMP_FORM,
        ),
    ],
)
def test_malformed_asset_uris_are_refused_with_the_uri_the_problem_and_the_form(
    written: str, shown: str, problem: str, form: str
) -> None:
    with pytest.raises(InvalidAssetUriError) as raised:
        Asset(uri=written)
    message = str(raised.value)
    assert message.startswith(f"Invalid asset URI {shown!r}: ")
    assert problem in message
    assert message.endswith(f". Expected {form}.")
    assert isinstance(raised.value, ValueError)


def test_user_info_is_refused_and_kept_out_of_the_message() -> None:
    with pytest.raises(InvalidAssetUriError) as raised:
        Asset(uri="launchdarkly://api-token-7f3e9a@default/new-checkout")
    assert str(raised.value) == (
        "Invalid asset URI 'launchdarkly://***@default/new-checkout': user info (before '@') is not allowed. "
        f"Expected {LD_FORM}."
    )
    assert "api-token-7f3e9a" not in repr(raised.value.args) + repr(raised.value.value)


def test_an_empty_channel_is_refused_not_dropped_by_the_handler() -> None:
    # Airflow's own sanitizer drops blank query values before the handler sees them; the handler
    # refuses one when it gets it, and cryptlex_product_asset refuses channel="" (below).
    with pytest.raises(InvalidAssetUriError, match=r"the channel is empty \(leave 'channel=' out instead\)"):
        sanitize_cryptlex_uri(urlsplit("cryptlex://my-app?channel="))


def test_the_error_survives_pickling_with_its_message() -> None:
    with pytest.raises(InvalidAssetUriError) as raised:
        Asset(uri="aha://PRJ 1")
    copy = pickle.loads(pickle.dumps(raised.value))
    assert (str(copy), copy.value, copy.problem, copy.accepted) == (
        str(raised.value),
        "aha://PRJ 1",
        f"the product 'PRJ 1' is not {KEY_FORM}",
        AHA_FORM,
    )


# The helpers (the registered factories too)


@pytest.mark.parametrize(
    ("asset", "uri"),
    [
        (lambda: launchdarkly_flag_asset("default", "new-checkout"), "launchdarkly://default/new-checkout"),
        (
            lambda: launchdarkly_flag_asset("default", "new-checkout", "production"),
            "launchdarkly://default/new-checkout?environment=production",
        ),
        (lambda: aha_product_asset("PRJ1"), "aha://PRJ1"),
        (lambda: aha_product_asset(6776757454400085096), "aha://6776757454400085096"),
        (lambda: cryptlex_product_asset("0b7e4f2c-app"), "cryptlex://0b7e4f2c-app"),
        (lambda: cryptlex_product_asset("0b7e4f2c-app", "beta"), "cryptlex://0b7e4f2c-app?channel=beta"),
        (
            lambda: cryptlex_product_asset("my_app", channel="early access"),
            "cryptlex://my_app?channel=early+access",
        ),
        (lambda: cryptlex_product_asset("my_app", channel="a&b=c"), "cryptlex://my_app?channel=a%26b%3Dc"),
        (lambda: amplitude_asset("web-app"), "amplitude://web-app"),
    ],
)
def test_helpers_return_assets_named_by_their_normal_uri(asset, uri: str) -> None:
    built = asset()
    assert isinstance(built, Asset)
    assert (built.uri, built.name, built.group, built.extra) == (uri, uri, "asset", {})
    assert built == Asset(name=uri, uri=uri)  # the same asset as one written by hand


def test_a_channel_with_query_characters_round_trips() -> None:
    built = cryptlex_product_asset("my_app", channel="a&b=c")
    assert sanitize_cryptlex_uri(urlsplit(built.uri)).query == "channel=a%26b%3Dc"
    assert Asset(uri=built.uri).uri == built.uri


def test_helpers_pass_extra_on() -> None:
    assert amplitude_asset("web-app", extra={"team": "growth"}).extra == {"team": "growth"}


@pytest.mark.parametrize(
    ("asset", "message"),
    [
        (lambda: launchdarkly_flag_asset("default", "a/b"), f"Invalid flag_key='a/b': expected {KEY_FORM}."),
        (
            lambda: launchdarkly_flag_asset("", "new-checkout"),
            f"Invalid project_key='': expected {KEY_FORM}.",
        ),
        (lambda: aha_product_asset(None), f"Invalid product=None: expected {KEY_FORM}."),
        (lambda: aha_product_asset("PRJ1?x=1"), f"Invalid product='PRJ1?x=1': expected {KEY_FORM}."),
        (
            lambda: cryptlex_product_asset("my app"),
            "Invalid product_id='my app': expected a product id of 1 to 256 letters, digits, '_' or '-'.",
        ),
        (
            lambda: cryptlex_product_asset("my-app", ""),
            "Invalid channel='': expected a non-empty string of at most 256 characters: "
            "channel must not be empty.",
        ),
        (lambda: amplitude_asset("web app"), f"Invalid project='web app': expected {KEY_FORM}."),
    ],
)
def test_helpers_name_the_parameter_the_value_and_the_form(asset, message: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        asset()
    assert str(raised.value) == message


# Registration


SCHEMES = {
    "launchdarkly": ("sanitize_launchdarkly_uri", "launchdarkly_flag_asset"),
    "aha": ("sanitize_aha_uri", "aha_product_asset"),
    "cryptlex": ("sanitize_cryptlex_uri", "cryptlex_product_asset"),
    "amplitude": ("sanitize_amplitude_uri", "amplitude_asset"),
}


def test_get_provider_info_lists_the_four_schemes() -> None:
    entries = get_provider_info()["asset-uris"]
    assert {
        scheme: (entry["handler"], entry["factory"]) for entry in entries for scheme in entry["schemes"]
    } == {
        scheme: (f"airflow_provider_releases.assets.{handler}", f"airflow_provider_releases.assets.{factory}")
        for scheme, (handler, factory) in SCHEMES.items()
    }


REGISTRATION_PROBE = """
import json
from airflow.providers_manager import ProvidersManager
from airflow.sdk import Asset
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

def name(function):
    return f"{function.__module__}.{function.__qualname__}"

runtime, manager = ProvidersManagerTaskRuntime(), ProvidersManager()
found = {
    scheme: [name(runtime.asset_uri_handlers[scheme]), name(runtime.asset_factories[scheme]),
             name(manager.asset_uri_handlers[scheme]), name(manager.asset_factories[scheme])]
    for scheme in ("launchdarkly", "aha", "cryptlex", "amplitude")
}
built = runtime.asset_factories["cryptlex"](product_id="my-app", channel="beta", extra=None)
try:
    Asset("launchdarkly://bad key/x")
    refused = None
except ValueError as error:
    refused = f"{type(error).__name__}: {error}"
print(json.dumps({"found": found, "built": [built.name, built.uri], "refused": refused}))
"""


def test_airflow_registers_the_handlers_and_factories_and_asset_refuses_a_bad_uri() -> None:
    import json

    done = subprocess.run(
        [sys.executable, "-c", REGISTRATION_PROBE], capture_output=True, text=True, timeout=180, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["found"] == {
        scheme: [f"airflow_provider_releases.assets.{handler}", f"airflow_provider_releases.assets.{factory}"]
        * 2
        for scheme, (handler, factory) in SCHEMES.items()
    }
    assert result["built"] == ["cryptlex://my-app?channel=beta"] * 2
    assert result["refused"] == (
        "InvalidAssetUriError: Invalid asset URI 'launchdarkly://bad key/x': "
        f"the project key 'bad key' is not {KEY_FORM}. Expected {LD_FORM}."
    )


def test_a_dag_file_with_a_malformed_asset_uri_fails_to_import_naming_it(tmp_path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "bad_asset.py").write_text(
        textwrap.dedent(
            """
            from airflow.sdk import DAG, Asset

            with DAG("bad_asset", schedule=[Asset("cryptlex://my-app?chanel=beta")]):
                pass
            """
        )
    )
    (tmp_path / "good_assets.py").write_text(
        textwrap.dedent(
            """
            # [START reacting_asset_helpers]
            from airflow.sdk import DAG, Asset
            from airflow.providers.standard.operators.empty import EmptyOperator
            from airflow_provider_releases.assets import aha_product_asset, launchdarkly_flag_asset

            with DAG("good_assets", schedule=[Asset("LaunchDarkly://default/new-checkout/")]):
                EmptyOperator(
                    task_id="ship",
                    outlets=[
                        aha_product_asset("PRJ1"),
                        launchdarkly_flag_asset("default", "new-checkout"),
                    ],
                )
            # [END reacting_asset_helpers]
            """
        )
    )

    bag = DagBag(dag_folder=str(tmp_path))

    assert set(bag.dag_ids) == {"good_assets"}
    [(path, error)] = bag.import_errors.items()
    assert path.endswith("bad_asset.py")
    expected = "Invalid asset URI 'cryptlex://my-app?chanel=beta': unknown query key(s) 'chanel'"
    assert f"InvalidAssetUriError: {expected}" in error
    dag = bag.dags["good_assets"]
    assert [asset.uri for asset in dag.timetable.asset_condition.objects] == [
        "launchdarkly://default/new-checkout"
    ]
    assert [outlet.uri for outlet in dag.get_task("ship").outlets] == [
        "aha://PRJ1",
        "launchdarkly://default/new-checkout",
    ]


def test_the_module_imports_without_airflow() -> None:
    """DAG files import it at parse time: Airflow is imported only when an asset is built."""
    probe = (
        "import sys\n"
        "import airflow_provider_releases.assets\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'airflow'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == ["[]"]


def test_release_assets_are_the_four_assets_of_a_release_to_the_targets() -> None:
    from airflow_provider_releases.assets import release_assets
    from airflow_provider_releases.workflows import SANDBOX_TARGETS

    assets = release_assets(SANDBOX_TARGETS, amplitude_project="web-analytics")

    assert {service: asset.uri for service, asset in assets.items()} == {
        "aha": "aha://PRJ1",
        "cryptlex": "cryptlex://0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47",
        "launchdarkly": "launchdarkly://default/new-checkout",
        "amplitude": "amplitude://web-analytics",
    }
    with pytest.raises(InvalidParameterError, match="flag_key"):
        release_assets({**SANDBOX_TARGETS, "flag": "bad flag"}, amplitude_project="web")


def test_release_assets_of_an_environment_release_name_the_flag_in_its_environment() -> None:
    from airflow_provider_releases.assets import release_assets
    from airflow_provider_releases.workflows import SANDBOX_ENVIRONMENT_TARGETS

    assets = release_assets(SANDBOX_ENVIRONMENT_TARGETS, amplitude_project="web-analytics")

    assert assets["launchdarkly"].uri == "launchdarkly://default/new-checkout?environment=production"
