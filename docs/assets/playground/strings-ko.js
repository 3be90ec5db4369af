/* 위젯의 한국어 문구 (strings-en.js와 같은 키). */
export default {
  kernelTitle: "사진에 커널 직접 적용해 보기",
  kernelIntro: "위 그림과 같은 회색조 사진을 브라우저가 직접 필터링합니다 (tf.nn.conv2d처럼 " +
    "바깥을 0으로 채운 교차 상관). 커널, 스트라이드, 패딩을 고르거나 아홉 개의 가중치를 " +
    "직접 입력해 보세요.",
  kernel: "커널",
  custom: "직접 입력 (칸의 값을 고치세요)",
  kernelNames: {
    identity: "항등 (identity)", blur: "흐림 (blur)",
    gaussian_blur: "가우스 흐림 (Gaussian blur)", sharpen: "선명화 (sharpen)",
    edge: "윤곽선 (edge)", top_sobel: "위쪽 소벨 (top Sobel)", emboss: "엠보스 (emboss)"
  },
  kernelValues: "커널 값 (3 × 3)",
  cell: function (r, c) { return "커널 " + r + "행 " + c + "열"; },
  stride: "스트라이드 (stride)",
  padding: "패딩 (padding)",
  display: "표시 방식",
  clip: "[0, 1] 범위로 자르기",
  minmax: "최솟값~최댓값으로 늘이기",
  input: "입력",
  output: "출력",
  outputSize: function (iw, ih, ow, oh) {
    return "입력 " + iw + " × " + ih + " → 출력 " + ow + " × " + oh;
  },
  range: function (lo, hi) { return "출력 값 범위 " + lo + " ~ " + hi; },
  loading: "예제 사진을 불러오는 중…",
  loadError: function (msg) {
    return "예제 사진을 불러오지 못했습니다 (" + msg + "). 위의 그림에서 같은 커널의 결과를 " +
      "볼 수 있습니다.";
  },
  needNumber: "커널의 모든 칸에 숫자를 넣어 주세요.",
  inputAlt: "회색조 예제 사진",
  outputAlt: "커널을 적용한 사진",

  stepperTitle: "창을 한 칸씩 옮겨 보기",
  size: "입력 크기 W",
  kernelSize: "커널 크기 K",
  dilation: "팽창 (dilation) D",
  explicitPad: function (p) { return "양쪽에 0을 " + p + "칸씩"; },
  prev: "◀ 이전",
  next: "다음 ▶",
  play: "▶ 재생",
  pause: "❚❚ 멈춤",
  restart: "⟲ 처음으로",
  inputGrid: "패딩을 두른 입력",
  outputGrid: "출력",
  gridHelp: "입력 격자에 포커스를 두고 화살표 키로 움직이세요 (Home / End는 첫 칸과 마지막 칸). " +
    "커널 값이 모두 1이므로 출력 칸은 창 아래 칸들의 합이고, 패딩 칸은 0입니다 (행·열 목록의 P).",
  step: function (r, c, value, rows, cols) {
    return "출력 (" + r + "행, " + c + "열) = " + value + ": 입력의 " + rows + "행, " + cols +
      "열을 덮는 창.";
  },
  terms: function (expr) { return "합: " + expr; },
  indexList: function (list) { return list.join(", "); },
  padMark: "P",
  noOutput: function (window, available) {
    return "출력이 없습니다: 창은 " + window + "칸을 덮는데 (패딩을 포함한) 입력은 " +
      available + "칸뿐입니다. SAME을 고르거나 패딩을 늘리거나 커널을 줄이세요.";
  },
  sameFormula: function (w, s, o, k, total, before, after) {
    return "SAME: 출력 = ⌈W / S⌉ = ⌈" + w + " / " + s + "⌉ = " + o +
      ", 패딩 합계 = max((" + o + " − 1)·" + s + " + " + k + " − " + w + ", 0) = " +
      total + " → 앞 " + before + "칸, 뒤 " + after + "칸";
  },
  validFormula: function (w, p, k, s, o) {
    return "출력 = ⌊(W + 2P − K_eff) / S⌋ + 1 = ⌊(" + w + " + 2·" + p + " − " + k +
      ") / " + s + "⌋ + 1 = " + o;
  },
  effective: function (k, d, e) {
    return "K_eff = D·(K − 1) + 1 = " + d + "·(" + k + " − 1) + 1 = " + e;
  },
  unused: "어느 창도 닿지 않는 입력 칸은 흐리게 표시됩니다.",

  stackTitle: "계층 쌓기 모양 계산기",
  inputShape: "입력 (높이 × 너비 × 채널)",
  height: "높이", width: "너비", channels: "채널",
  layer: "계층", settings: "설정", shape: "출력 모양", params: "파라미터 수",
  actions: "이동 / 삭제",
  types: { conv: "합성곱 + ReLU", pool: "최대 풀링", flatten: "평탄화 (flatten)",
    dense: "완전 연결 (dense)", dropout: "드롭아웃 (dropout)" },
  filters: "필터 수", kernelShort: "커널", strideShort: "스트라이드", paddingShort: "패딩",
  poolSize: "크기", units: "유닛 수", rate: "비율",
  up: function (n) { return n + "번째 계층을 위로"; },
  down: function (n) { return n + "번째 계층을 아래로"; },
  remove: function (n) { return n + "번째 계층 삭제"; },
  typeOf: function (n) { return n + "번째 계층의 종류"; },
  add: "계층 추가",
  addType: "추가할 계층의 종류",
  reset: "강의의 신경망으로",
  networkLoading: "강의의 신경망을 불러오는 중…",
  networkError: function (why) {
    return "강의의 신경망을 불러오지 못했습니다(" + why + "). 계층은 직접 추가할 수 있습니다.";
  },
  total: "합계",
  totalBytes: function (mb) { return "float32 가중치 약 " + mb + " MB"; },
  errors: {
    "needs-image": "높이 × 너비 × 채널 모양의 입력이 필요합니다. 평탄화나 완전 연결 계층 " +
      "뒤에는 올 수 없습니다.",
    "needs-flat": "평탄한 입력이 필요합니다. 앞에 평탄화 계층을 넣으세요.",
    "no-fit": function (e) {
      return "창은 " + e.window + "칸을 덮는데 입력은 " + e.available + "칸뿐입니다. " +
        "SAME 패딩이나 더 작은 창을 쓰세요.";
    },
    "bad-value": function (e) {
      return (e.argument || "값") + ": " +
        (e.argument === "rate" ? "0 이상 1 미만의 수여야 합니다." : "1 이상의 정수여야 합니다.");
    },
    error: function (e) { return e.message; }
  },
  scrollHint: "화면보다 넓습니다: 옆으로 밀어 보세요 →",
  tableRegion: "계층 표",
  gridsRegion: "입력 격자와 출력 격자",
  notComputed: "—"
};
