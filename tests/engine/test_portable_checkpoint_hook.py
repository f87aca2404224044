"""PortableCheckpointHook's checkpoints: loadable weights-only without the
plugin, and resumable."""
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from scfa_mm.engine.portable_checkpoint_hook import (make_checkpoint_portable,
                                                     restore_checkpoint_objects
                                                     )
from ..utils.test_checkpoint import load_in_fresh_python, training_checkpoint


def test_portable_checkpoint_loads_without_the_plugin_and_resumes(tmp_path):
    checkpoint = training_checkpoint()
    original = checkpoint['message_hub']['log_scalars']['train/loss']
    path = tmp_path / 'raw.pth'
    torch.save(checkpoint, path)
    code, output = load_in_fresh_python(path)
    assert code != 0 and 'Unsupported global' in output  # the problem

    torch.save(make_checkpoint_portable(checkpoint), tmp_path / 'portable.pth')
    code, output = load_in_fresh_python(tmp_path / 'portable.pth')
    assert code == 0, output
    assert "classes ['climb', 'run']" in output

    loaded = restore_checkpoint_objects(torch.load(tmp_path / 'portable.pth'))
    assert loaded['meta']['seed'] == 7
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    np.testing.assert_array_equal(buffer.data[0], [3.0, 2.5, 2.0, 1.75])
    np.testing.assert_array_equal(buffer.data[1], original.data[1])
    assert buffer.max_length == original.max_length
    # the statistics work: mean of the last two losses, by hand
    assert buffer.mean(2) == pytest.approx((2.0 + 1.75) / 2)
    assert buffer.statistics('current') == 1.75
    lr = loaded['message_hub']['log_scalars']['train/lr']
    assert lr.current() == pytest.approx(0.025)
    hub = MessageHub('resumed')
    hub.load_state_dict(loaded['message_hub'])
    assert hub.get_scalar('train/loss').mean(4) == pytest.approx(9.25 / 4)
