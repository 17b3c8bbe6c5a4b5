import type { ReactNode } from 'react';

export function Banner(props: {
  kind: 'error' | 'warn';
  title: string;
  children?: ReactNode;
  onDismiss?: () => void;
  testId?: string;
}) {
  return (
    <div
      className={`banner ${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
      data-testid={props.testId}
    >
      <div className="grow">
        <strong>{props.title}</strong>
        {props.children}
      </div>
      {props.onDismiss && (
        <button className="btn link" onClick={props.onDismiss} aria-label="Dismiss">
          Dismiss
        </button>
      )}
    </div>
  );
}
