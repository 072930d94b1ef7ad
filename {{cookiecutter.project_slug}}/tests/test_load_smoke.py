"""A short run of the load script (tests/load.py): every acknowledged write is in the
database and nothing else changed."""

import pytest
from django.test import TransactionTestCase

from tests.load import WRITES, offered_mix, run_load

pytestmark = pytest.mark.slow


class LoadSmokeTests(TransactionTestCase):
    def test_twenty_connections_for_three_seconds_lose_no_acknowledged_write(self):
        report = run_load(connections=20, seconds=3.0, real_hashing=False)
        print("\n" + report.summary())
        self.assertTrue(report.verified, report.summary())
        self.assertEqual(report.held, 20, report.summary())
        self.assertGreater(report.answered, 20)
        if set(offered_mix()) & set(WRITES):
            self.assertGreater(sum(report.outcome.acknowledged.values()), 0)
