"""The shared extra link: the web URL a release operator pushed to XCom under ``release_url``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

RELEASE_URL_XCOM_KEY = "release_url"
"""The XCom key every release operator pushes the web URL of its object under, before it returns."""


class ReleaseUrlLink(BaseOperatorLink):
    """
    An extra link to the web page of the object a release operator created or changed.

    Subclasses set :attr:`name`, the label.
    """

    name = "Release"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """Return the URL the task instance pushed to XCom, or ``""`` (dry run, failure)."""
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(ti_key=ti_key, key=RELEASE_URL_XCOM_KEY)
        return url if isinstance(url, str) else ""
