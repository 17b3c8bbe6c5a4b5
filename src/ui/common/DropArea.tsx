import { useState, type DragEvent, type ReactNode } from 'react';

/** A drop target that highlights while something is dragged over it and hands the drop to `onDrop`. */
export function DropArea(props: {
  testId: string;
  onDrop: (event: DragEvent) => void;
  className?: string;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  return (
    <div
      className={`dropzone${over ? ' over' : ''}${props.className ? ` ${props.className}` : ''}`}
      data-testid={props.testId}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        props.onDrop(event);
      }}
    >
      {props.children}
    </div>
  );
}
