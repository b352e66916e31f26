"""help.html: code blocks made keyboard-scrollable, their language kept out of ``lang``."""

from help.html import accessible_code_blocks


def test_a_code_block_is_focusable_and_its_language_is_data():
    html = '<pre lang="python"><code>x = 1</code></pre>'
    assert accessible_code_blocks(html) == (
        '<pre tabindex="0" data-lang="python"><code>x = 1</code></pre>'
    )


def test_a_plain_code_block_and_one_already_focusable():
    assert accessible_code_blocks("<pre>a</pre>") == '<pre tabindex="0">a</pre>'
    assert accessible_code_blocks('<pre tabindex="0">a</pre>') == '<pre tabindex="0">a</pre>'


def test_other_elements_are_left_alone():
    html = '<p lang="de">Hallo</p><prefix>'
    assert accessible_code_blocks(html) == html
