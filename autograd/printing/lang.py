"""The words of a derivation, in English and in Chinese.

The Chinese strings use the terms of the step-by-step example as the seed text writes them
(前向传播, 计算总误差, 链式法则, 更新权重, 学习率; the layer headings of ``stepgrad demo`` add
隐藏层的权值更新). ``{0}``, ``{1}``, ... are filled with formulas by the printer.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "forward": "Forward pass",
        "output": "Result: {0}",
        "total": "Total error: {0}",
        "backward": "Backward pass: {0} by the chain rule",
        "update": "Update the weight (learning rate {0})",
        "no_path": "{0} does not depend on {1}: no path leads from {0} to {1}, so {2} = 0",
        "paths": "{0} paths lead from {1} to {2}; the parts they share are computed once above",
        "omitted": "… {0} steps omitted …",
        "no_grad": (
            "{0} has requires_grad=False: backward() gives it no gradient ({0}.grad stays 0); "
            "what follows is the derivative it would have"
        ),
        "elided_product": "(a product of {0} local derivatives)",
        "elided_sum": "(a sum over {0} routes)",
    },
    "zh": {
        "forward": "前向传播",
        "output": "结果：{0}",
        "total": "计算总误差：{0}",
        "backward": "反向传播：用链式法则展开 {0}",
        "update": "更新权重（学习率 {0}）",
        "no_path": "{0} 不依赖于 {1}：从 {0} 到 {1} 没有路径，所以 {2} = 0",
        "paths": "从 {1} 到 {2} 共有 {0} 条路径，公共部分在上面只计算一次",
        "omitted": "…… 省略 {0} 步 ……",
        "no_grad": "{0} 的 requires_grad=False：backward() 不计算它的梯度（{0}.grad 保持为 0）；下面是它本来的导数",
        "elided_product": "（{0} 个局部导数之积）",
        "elided_sum": "（{0} 条路线之和）",
    },
}
"""Every narration string, by language and key."""
