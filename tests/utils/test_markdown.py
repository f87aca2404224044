"""Results pages: mean ± std over seeds, tables, and tables written between
markers of a page."""
import statistics

from scfa_mm.utils.markdown import (markdown_table, mean_std,
                                    write_between_markers)


def test_mean_std_against_statistics():
    values = [0.812, 0.797, 0.843]
    mean = 100 * statistics.mean(values)
    std = 100 * statistics.stdev(values)  # sample deviation
    assert mean_std(values) == f'{mean:.1f} ± {std:.1f}%'
    assert mean_std([0.5]) == '50.0%'
    assert mean_std([1.25, 2.5], percent=False, digits=3) == \
        f'{1.875:.3f} ± {statistics.stdev([1.25, 2.5]):.3f}'


def test_markdown_table():
    assert markdown_table(['a', 'b'], [['1', '2'], ['3', '4']]) == \
        '| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |'


def test_write_between_markers_keeps_the_page_around_the_table(tmp_path):
    page = tmp_path / 'results.md'
    write_between_markers(str(page), 'first')  # no page yet: made
    assert page.read_text() == ('# Results on the synthetic set\n\n'
                                '<!-- results: begin -->\nfirst\n'
                                '<!-- results: end -->\n')
    page.write_text('intro\n<!-- results: begin -->\nold\n'
                    '<!-- results: end -->\noutro\n')
    write_between_markers(str(page), 'new')
    write_between_markers(str(page), 'tagged', 'clip x')  # markers added
    assert page.read_text() == (
        'intro\n<!-- results: begin -->\nnew\n<!-- results: end -->\n'
        'outro\n\n<!-- results clip x: begin -->\ntagged\n'
        '<!-- results clip x: end -->\n')
