import { JudgePanel } from './JudgePanel';
import { ModelScorerPanel } from './ModelScorerPanel';
import { ScorerComparison } from './ScorerComparison';
import styles from './MoreScorers.module.css';

/** The on-demand scorers (LLM judge, IFD, response loss) and the comparison of any two scorers, folded away. */
export function MoreScorers() {
  return (
    <details className={styles.more} data-testid="more-scorers">
      <summary className="small">
        More scorers: an LLM judge as in the paper, IFD and response loss from a pretrained model — and how two scorers
        agree
      </summary>
      <JudgePanel />
      <ModelScorerPanel />
      <ScorerComparison />
    </details>
  );
}
