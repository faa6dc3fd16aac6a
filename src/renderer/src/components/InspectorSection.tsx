/** The titled section every inspector panel is drawn in. */
export function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="insp-section" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
