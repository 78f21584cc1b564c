<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * @api
 */
interface ItemInterface
{
    public const SKU = 'sku';
    public const QUANTITY = 'quantity';

    /**
     * @return string
     */
    public function getSku(): string;

    /**
     * @param string $sku
     * @return $this
     */
    public function setSku(string $sku): self;

    /**
     * @return float
     */
    public function getQuantity(): float;

    /**
     * @param float $quantity
     * @return $this
     */
    public function setQuantity(float $quantity): self;
}
