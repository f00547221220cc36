// The reading assistant's block on a paper page. The page itself is cached and
// the same for everyone, so it holds only the controls; web/faq.ts asks
// /api/faq/<id> for the answer (cached ones show at once) and streams new ones.
// Without a configured provider it says only that the assistant is not
// enabled: operator details stay on the API's 503, out of reading pages.

export interface FaqInfo {
  enabled: boolean;
  /** FAQ_LANG. */
  lang: 'en' | 'zh';
}

export function FaqSection(props: { id: string; info: FaqInfo }) {
  if (!props.info.enabled) {
    return (
      <section class="faq faq-off">
        <h2>Reading assistant</h2>
        <p class="note">The reading assistant (an FAQ about this paper written by a language model) is not enabled on this site.</p>
      </section>
    );
  }
  return (
    <section class="faq" data-faq={props.id} data-faq-lang={props.info.lang}>
      <h2>Reading assistant</h2>
      <p class="faq-controls">
        <button type="button" data-faq-start>
          FAQ: what this paper does, in six answers
        </button>{' '}
        <label>
          in{' '}
          <select data-faq-lang-select aria-label="Language of the answers">
            <option value="en" selected={props.info.lang === 'en'}>
              English
            </option>
            <option value="zh" selected={props.info.lang === 'zh'}>
              中文
            </option>
          </select>
        </label>
      </p>
      <p class="faq-status" data-faq-status aria-live="polite"></p>
      <div class="faq-previous" data-faq-previous hidden></div>
      <div class="faq-answer" data-faq-answer></div>
      <p class="faq-made muted" data-faq-made hidden></p>
      <form class="faq-ask" data-faq-ask hidden>
        <label>
          Ask your own question about this paper:{' '}
          <input type="text" name="question" minlength={3} maxlength={500} required placeholder="e.g. Which datasets were used?" />
        </label>{' '}
        <button type="submit">Ask</button>
      </form>
      <p class="faq-status" data-faq-ask-status aria-live="polite"></p>
      <div class="faq-answer" data-faq-ask-answer></div>
      <p class="faq-made muted" data-faq-ask-made hidden></p>
      <noscript>
        <p class="note">The reading assistant needs JavaScript.</p>
      </noscript>
    </section>
  );
}
