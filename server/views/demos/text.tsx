// The explanations on the demo pages, in our own words. Formulas are TeX strings that the
// route typesets on the server with MathJax (server/math/typeset.ts), once per formula and
// process (the text is fixed); the browser never loads MathJax.
import type { Child } from 'hono/jsx';
import { typeset } from '../../math/typeset.ts';

const cache = new Map<string, string>();

function tex(src: string, display: boolean): string {
  const key = (display ? 'D' : 'I') + src;
  let html = cache.get(key);
  if (html === undefined) {
    html = typeset(src, display).html;
    cache.set(key, html);
  }
  return html;
}

/** Inline formula. */
export function M({ t }: { t: string }) {
  return <span dangerouslySetInnerHTML={{ __html: tex(t, false) }} />;
}

/** Display formula. */
export function D({ t }: { t: string }) {
  return <div class="formula" dangerouslySetInnerHTML={{ __html: tex(t, true) }} />;
}

export function LowRankText(): Child {
  return (
    <>
      <p>
        Every method on this page answers one question: given an <M t="m\times n" /> matrix <M t="M" />, what is the best
        stand-in of rank <M t="r" />, and what does it cost to find? The singular value decomposition gives the exact answer;
        the others trade a little accuracy for structure you can read (actual columns and rows of <M t="M" />) or for speed.
      </p>
      <h2>Pseudo-inverse</h2>
      <p>
        Asking for the <M t="B" /> that makes <M t="AB" /> as close to the identity as possible (in the Frobenius norm) gives
        {' '}<M t="A^\dagger=(A^\top A)^{-1}A^\top" /> when the columns of <M t="A" /> are independent. When they are not, the
        inverse does not exist but the limit with a small ridge term still does:
      </p>
      <D t="A^\dagger=\lim_{\epsilon\to0^+}(A^\top A+\epsilon I)^{-1}A^\top=V\,\Sigma^\dagger U^\top ." />
      <p>
        We compute it from the SVD, inverting only the singular values above <M t="\max(m,n)\,\varepsilon_{\text{mach}}\,\sigma_1" />;
        the rest count as zero. The table also shows the route through the eigenvalues of <M t="A^\top A" />: squaring the
        matrix squares its condition number, so singular values below about <M t="10^{-8}\sigma_1" /> vanish there.
      </p>
      <h2>SVD and the best rank r</h2>
      <p>
        Write <M t="M=U\Sigma V^\top" /> with <M t="\sigma_1\ge\sigma_2\ge\dots\ge0" />. Keeping the first <M t="r" /> terms is
        optimal (Eckart–Young–Mirsky), and the error is read straight off the spectrum:
      </p>
      <D t="\min_{\operatorname{rank}X\le r}\Vert M-X\Vert_F=\sqrt{\textstyle\sum_{j>r}\sigma_j^2},\qquad \min_{\operatorname{rank}X\le r}\Vert M-X\Vert_2=\sigma_{r+1}." />
      <p>That curve is the floor in the error plot below: no other method can go under it.</p>
      <h2>CR: sampling the terms of a product</h2>
      <p>
        A product is a sum of outer products, <M t="XY=\sum_i x_i y_i^\top" />. CR keeps only <M t="r" /> of the terms. Drawing
        term <M t="i" /> with probability <M t="p_i\propto\Vert x_i\Vert\,\Vert y_i\Vert" /> and scaling the drawn column and row by
        {' '}<M t="(r p_i)^{-1/2}" /> gives an unbiased estimate whose expected squared error is
      </p>
      <D t="\frac1r\Big[\big(\textstyle\sum_i\Vert x_i\Vert\Vert y_i\Vert\big)^2-\Vert XY\Vert_F^2\Big]," />
      <p>
        the smallest any sampling distribution can achieve. To put it on the same plot as the others we approximate
        {' '}<M t="M=M\cdot I" />: the terms are then the columns of <M t="M" />, and we show both the deterministic choice (the
        {' '}<M t="r" /> largest columns) and the expected error of <M t="r" /> optimal draws. CR is built for products, so it sits
        well above the floor here.
      </p>
      <h2>Interpolative decomposition (ID)</h2>
      <p>
        ID writes <M t="M\approx M_{[:,S]}P" />: <M t="r" /> actual columns, combined by an <M t="r\times n" /> matrix <M t="P" /> that
        contains the identity on <M t="S" />. Choosing <M t="S" /> exactly is hard; column-pivoted QR picks greedily the column
        that sticks out most from the span of those already chosen. Then <M t="P=C^\dagger M" /> and the error is the norm of the
        block QR leaves over. Our pivoting matches SciPy's <code>interp_decomp(rand=False)</code> index for index.
      </p>
      <h2>CUR</h2>
      <p>
        CUR keeps actual columns <M t="C=M_{[:,S_1]}" /> and actual rows <M t="R=M_{[S_2,:]}" />, with a small core between them.
        The best core for fixed <M t="C,R" /> is <M t="C^\dagger MR^\dagger" />; the cheaper choice, the pseudo-inverse of the
        intersection <M t="W=M_{[S_2,S_1]}" />, reproduces the chosen rows and columns exactly but can amplify noise when
        {' '}<M t="W" /> is ill-conditioned. Rows and columns are picked by largest norm, by pivoted QR, by leverage scores
        {' '}<M t="\Vert V_{[j,:r]}\Vert^2" />, or by DEIM on the leading singular vectors.
      </p>
    </>
  );
}

export function TopkText(): Child {
  return (
    <>
      <p>
        The hard Top-k map <M t="\mathcal T_k(x)" /> puts 1 on the <M t="k" /> largest entries and 0 elsewhere. Its gradient is
        zero almost everywhere, so training needs a smooth stand-in <M t="\mathcal{ST}_k" /> with outputs in <M t="[0,1]" /> that
        add up to <M t="k" />, that keep the order of <M t="x" />, ignore a constant shift, and turn into <M t="\mathcal T_k" /> as a
        temperature <M t="\tau" /> goes to zero. Every construction here is applied to <M t="x/\tau" />.
      </p>
      <h2>Iterating softmax</h2>
      <p>
        Add up <M t="k" /> softmaxes, each discouraging the entries already taken. Su's version rescales the input by
        {' '}<M t="1-p" />; the weighted version multiplies the exponentials by <M t="1-p" />. The second one fails the limit: for
        {' '}<M t="k=2" /> it sends 1.5 to the largest entry and 0.5 to the runner-up. The first can overshoot 1 slightly (try
        {' '}<code>0.3 1.2 -0.4 0.9 0.1</code> with <M t="k=2,\ \tau=0.05" />).
      </p>
      <h2>GradTopK</h2>
      <p>
        The sum of the <M t="k" /> largest entries is a maximum over subsets; replacing the max by log-sum-exp and taking the
        gradient gives
      </p>
      <D t="[\mathcal{ST}_k(x)]_i=\frac{\sum_{|S|=k,\,S\ni i}e^{\sum_{j\in S}x_j}}{\sum_{|S|=k}e^{\sum_{j\in S}x_j}}=\frac{w_i\,e_{k-1}(w_{\setminus i})}{e_k(w)},\quad w=e^{x}," />
      <p>
        with <M t="e_k" /> the elementary symmetric polynomials. We build them with a dynamic programme in log space, which
        never subtracts, so it stays accurate where the subtraction recursion breaks down.
      </p>
      <h2>Threshold constructions</h2>
      <p>
        Pick any increasing <M t="f" /> from 0 to 1 and shift it by the unique <M t="\lambda" /> that makes the outputs add up to
        {' '}<M t="k" />: <M t="\mathcal{ST}_k(x)=f(x-\lambda(x))" />, <M t="\sum_i f(x_i-\lambda)=k" />. With <M t="f=\min(1,e^t)" />{' '}
        and with the globally smooth <M t="f(t)=\tfrac12+\tfrac12\operatorname{sign}(t)(1-e^{-|t|})" /> the threshold has a
        closed form on each interval between sorted entries; the sigmoid needs bisection. Our smooth-<M t="f" /> version
        also covers the case where <M t="\lambda" /> falls below every entry (possible when <M t="k>n/2" />), which the
        original closed form misses, and for <M t="k=1" /> it matches softmax only when no entry takes more than half the mass.
      </p>
    </>
  );
}

export function MsignText(): Child {
  return (
    <>
      <p>
        With <M t="M=U\Sigma V^\top" />, the matrix sign keeps the singular vectors and sets every non-zero singular value to 1:
      </p>
      <D t="\operatorname{msign}(M)=U_{[:,:r]}V_{[:,:r]}^\top=(MM^\top)^{-1/2}M ." />
      <p>
        It is the closest orthogonal matrix to a square full-rank <M t="M" />, and the Muon optimiser applies it to every update.
        An SVD per step is too slow on a GPU, so Newton–Schulz gets there with matrix products only. Scale <M t="M" /> by its
        Frobenius norm so every singular value lies in <M t="(0,1]" />, then repeat
      </p>
      <D t="X_{t+1}=a_tX_t+\big(b_t\,X_tX_t^\top+c_t\,(X_tX_t^\top)^2\big)X_t ." />
      <p>
        Each step applies the odd polynomial <M t="g_t(x)=a_tx+b_tx^3+c_tx^5" /> to every singular value and leaves the vectors
        alone, so the whole iteration is a scalar map <M t="x\mapsto g_T\circ\dots\circ g_1(x)" />. The coefficient schedules
        trade exactness for speed: the fitted ones do not converge to 1 but push the whole range <M t="[0.003,1]" /> into a
        band around it within five or six steps. The left plot shows the scalar maps after each step; the right plot tracks the
        singular values of <M t="X_t" />, measured by an SVD of the iterate, which land on those maps.
      </p>
      <p>
        The optional first-step rescaling divides by <M t="\Vert (X_0X_0^\top)^2\Vert_F^{1/4}" />, a tighter bound on
        {' '}<M t="\sigma_1" /> than the Frobenius norm, which lets small singular values start larger.
      </p>
    </>
  );
}

export function EntropyText(): Child {
  return (
    <>
      <p>
        Attention turns the scores <M t="s_i=\langle q,k_i\rangle" /> of <M t="n" /> keys into weights
        {' '}<M t="p_i=e^{\lambda s_i}/\sum_je^{\lambda s_j}" />. Their entropy measures how spread out the attention is, and it
        follows from a short calculation:
      </p>
      <D t="H=\log\sum_ie^{\lambda s_i}-\lambda\sum_ip_is_i\;\approx\;\log n-\lambda\,(s_{\max}-\bar s)." />
      <p>
        The approximation replaces the average of <M t="e^{\lambda s_i}" /> by <M t="e^{\lambda\bar s}" /> and lets the largest
        score dominate the weighted mean. It says that with a fixed scale the entropy grows like <M t="\log n" /> as the context
        gets longer, so attention gets blurrier on inputs longer than those seen in training. Making the scale grow with
        {' '}<M t="\log n" /> cancels that growth; since scores grow with the head size <M t="d" />, the rule is
      </p>
      <D t="\lambda=\frac{\kappa\log n}{d},\qquad \kappa=\frac{\sqrt d}{\log 512}\ \Rightarrow\ \lambda=\frac{\log_{512}n}{\sqrt d}," />
      <p>
        where this choice of <M t="\kappa" /> agrees with the usual <M t="1/\sqrt d" /> at <M t="n=512" />. The plot measures the
        mean entropy on random queries and keys on the sphere of radius <M t="\sqrt d" /> as <M t="n" /> doubles. At small
        {' '}<M t="d" /> the 512-calibrated rule is only a little flatter than the standard one; the larger constant
        {' '}<M t="\kappa=1/0.24" /> from a Laplace estimate is much flatter, at a lower entropy.
      </p>
    </>
  );
}
