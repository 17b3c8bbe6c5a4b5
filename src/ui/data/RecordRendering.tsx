import type { RenderedRecord, RenderedSegment } from '../../state/recordRendering';
import styles from './RecordRendering.module.css';

/** Neighbouring trained segments in one group, so one highlight (and one pair of screen-reader marks) covers them. */
function groups(segments: readonly RenderedSegment[]): { trained: boolean; parts: RenderedSegment[] }[] {
  const out: { trained: boolean; parts: RenderedSegment[] }[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.trained === s.trained) last.parts.push(s);
    else out.push({ trained: s.trained, parts: [s] });
  }
  return out;
}

function Part({ segment }: { segment: RenderedSegment }) {
  return segment.special ? (
    <span className={styles.special} title="special token">
      {segment.text}
    </span>
  ) : (
    <>{segment.text}</>
  );
}

/**
 * The text of a record's training row, exactly as the model reads it: what the loss is taken on highlighted (and
 * announced as such), special tokens boxed, with a legend and the token counts.
 */
export function RecordRendering({ rendered, contextLength }: { rendered: RenderedRecord; contextLength?: number }) {
  const { tokens, trainedTokens } = rendered;
  return (
    <div className={styles.rendering}>
      <div className={`small ${styles.legend}`} aria-label="Legend">
        <span>
          <mark className={styles.trained}>trained on</mark> the loss is taken on these tokens
        </span>
        <span>
          <span className={styles.special}>&lt;eos&gt;</span> special token
        </span>
        <span className="muted">plain: context the model reads but is not trained on</span>
      </div>
      <pre className={`mono ${styles.text}`} data-testid="record-rendering">
        {groups(rendered.segments).map((g, i) =>
          g.trained ? (
            <mark key={i} className={styles.trained} data-testid="trained-span">
              <span className={styles.srOnly}>[trained: </span>
              {g.parts.map((s, k) => (
                <Part key={k} segment={s} />
              ))}
              <span className={styles.srOnly}>]</span>
            </mark>
          ) : (
            g.parts.map((s, k) => <Part key={`${i}.${k}`} segment={s} />)
          ),
        )}
      </pre>
      <p className="small" data-testid="token-count">
        {tokens === undefined || trainedTokens === undefined ? (
          <span className="muted">
            Not counted in tokens: this model&apos;s tokenizer does not read special tokens written in text (only a
            tokenizer.json one does).
          </span>
        ) : (
          <>
            {tokens.toLocaleString('en')} tokens, {trainedTokens.toLocaleString('en')} of them trained on
            {contextLength !== undefined && tokens - 1 > contextLength && (
              <strong className={styles.over}>
                {' '}
                · longer than the model&apos;s {contextLength.toLocaleString('en')} positions: training cuts it to fit
                (the prompt&apos;s start first)
              </strong>
            )}
          </>
        )}
      </p>
    </div>
  );
}
