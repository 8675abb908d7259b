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
        # The step-by-step trace (autograd.trace): step titles and narration.
        "trace_given_input": "Given: inputs and constants",
        "trace_given_parameter": "Given: parameters",
        "trace_given_target": "Given: targets",
        "trace_loss": "Error term: {0}",
        "trace_seed": "Backward pass: start at {0}",
        "trace_seed_note": "{0} = 1: backward starts at the output; every gradient below is a multiple of this 1",
        "trace_edge": "Backward pass: from {0} to {1}",
        "trace_part": "{0} receives {1} contributions; they are added up once all of them are known",
        "trace_use": "{0} uses {1} {2} times; use {3} has its own local derivative and is a contribution to {4}",
        "trace_accumulate": "Backward pass: contributions add up at {0}",
        "trace_accumulate_note": "{0} is used {1} times: its gradient is the sum of the contributions (backward's +=)",
        "trace_paths": "Backward pass: every path to {0}",
        "trace_no_grad": "{0} does not depend on any Value that needs a gradient: there is nothing to compute backward",
        "trace_update": "Update the parameters (learning rate {0})",
        "trace_after": "After the update: the forward pass again",
        "trace_after_loss": "After the update: {0}",
        "trace_after_failed": "The forward pass with the updated parameters fails: {0}",
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
        "trace_given_input": "已知：输入与常数",
        "trace_given_parameter": "已知：参数",
        "trace_given_target": "已知：目标值",
        "trace_loss": "误差项：{0}",
        "trace_seed": "反向传播：从 {0} 开始",
        "trace_seed_note": "{0} = 1：反向传播从输出开始，下面每个梯度都是这个 1 的倍数",
        "trace_edge": "反向传播：从 {0} 到 {1}",
        "trace_part": "{0} 共收到 {1} 份贡献，全部算出后相加",
        "trace_use": "{0} 用到 {1} 共 {2} 次；第 {3} 次有自己的局部导数，是 {4} 的一份贡献",
        "trace_accumulate": "反向传播：在 {0} 处把贡献相加",
        "trace_accumulate_note": "{0} 被使用了 {1} 次，所以它的梯度是这 {1} 份贡献之和（反向传播用 += 逐一累加）",
        "trace_paths": "反向传播：通往 {0} 的所有路径",
        "trace_no_grad": "{0} 不依赖任何需要梯度的值：没有反向传播可做",
        "trace_update": "更新参数（学习率 {0}）",
        "trace_after": "更新之后：再做一次前向传播",
        "trace_after_loss": "更新之后：{0}",
        "trace_after_failed": "用更新后的参数做前向传播失败：{0}",
    },
}
"""Every narration string, by language and key."""
