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

    The operator pushes the URL to XCom under :data:`RELEASE_URL_XCOM_KEY` while it runs; when the
    task instance finishes, Airflow calls :meth:`get_link` and keeps the answer for the UI (an
    empty string when the task pushed no URL, for example in a dry run or after a failure).
    Subclasses only set :attr:`name`, the link's label.
    """

    name = "Release"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """
        Return the URL the task instance pushed to XCom, or ``""`` when it pushed none.

        Reads XCom through the Task SDK (``airflow.sdk.execution_time.xcom.XCom``), which is how
        Airflow 3.2 and 3.3 evaluate links when a task instance finishes.
        """
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(ti_key=ti_key, key=RELEASE_URL_XCOM_KEY)
        return url if isinstance(url, str) else ""
